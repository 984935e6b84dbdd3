# The delivery worker (outbox → chat platforms) on the real SQLite store with a manual
# clock and a scripted platform; the webhook time budget on a real thread pool.
casebot_add_test(test_delivery_worker
  SOURCES
    worker_delivery_test.cpp
  LIBS bot_webhooks bot_store spdlog::spdlog)

casebot_add_test(test_budget
  SOURCES
    budget_test.cpp
  LIBS bot_webhooks)

# Commands run in batches that share one store transaction, on the real SQLite store.
casebot_add_test(test_command_batches
  SOURCES
    command_batches_test.cpp
  LIBS bot_webhooks bot_store spdlog::spdlog)

# The HTTP client, the Slack Web API client and the Slack stand-in: against a scripted
# loopback server (plain and TLS, certificates made at test time) and the stand-in.
casebot_add_test(test_http_client
  SOURCES
    http_client_test_server.cpp
    http_client_test.cpp
    slack_api_test.cpp
    slack_identity_check_test.cpp
    slack_standin_test.cpp
  LIBS bot_http_client bot_slack_standin bot_webhooks spdlog::spdlog)

# The Slack app's pieces: signatures, payloads, rendering.
casebot_add_test(test_slack
  SOURCES
    slack_payloads_test.cpp
    slack_render_test.cpp
    slack_signature_test.cpp
  LIBS bot_webhooks)

# The Slack app end to end: the real server on loopback against the stand-in.
casebot_add_test(test_slack_integration
  SOURCES
    slack_integration_test.cpp
    slack_world.cpp
  LIBS bot_service bot_slack_standin bot_teams_standin spdlog::spdlog)

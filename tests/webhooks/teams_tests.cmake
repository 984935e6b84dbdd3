# The Teams endpoints end to end (the world is shared with the Slack integration tests).
casebot_add_test(test_teams_integration
  SOURCES
    slack_world.cpp
    teams_integration_test.cpp
  LIBS bot_service bot_slack_standin bot_teams_standin spdlog::spdlog)

# Teams activities as they arrive: mentions, markup, required fields.
casebot_add_test(test_teams_payloads
  SOURCES
    teams_payloads_test.cpp
  LIBS bot_webhooks)

# The Teams endpoints end to end (the world is shared with the Slack integration tests).
casebot_add_test(test_teams_integration
  SOURCES
    slack_world.cpp
    teams_integration_test.cpp
  LIBS bot_service bot_slack_standin bot_teams_standin spdlog::spdlog)

# The Bot Connector and Workflows clients against the Teams stand-in (loopback), and the
# stand-in itself: tokens, connector API, Workflows URLs, OpenID metadata and keys. The
# scripted test server checks what goes on the wire (path encoding, the token form).
casebot_add_test(test_teams_client
  SOURCES
    http_client_test_server.cpp
    teams_api_test.cpp
    teams_standin_test.cpp
  LIBS bot_teams_standin bot_teams_client)

# JWTs and Bot Framework token validation: base64url, JWS parsing and RSA
# signatures (with RFC 7515's example), and the validator against OpenID metadata
# and a JWKS served from 127.0.0.1, on a manual clock.
casebot_add_test(test_teams_auth
  SOURCES
    teams_auth_jwt_test.cpp
    teams_auth_test.cpp
  LIBS bot_teams_client bot_http)

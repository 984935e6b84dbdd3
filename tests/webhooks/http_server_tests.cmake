# The Beast HTTP server, tested for real on 127.0.0.1 (plain and TLS) with small timeouts.
casebot_add_test(test_http_server
  SOURCES
    http_server_test.cpp
    http_server_tls_test.cpp
    http_server_test_client.cpp
  LIBS bot_http spdlog::spdlog OpenSSL::SSL OpenSSL::Crypto)

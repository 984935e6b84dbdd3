#pragma once
// Test helpers for the HTTP client: a tiny scripted HTTP/1.1 server on 127.0.0.1
// (plain or TLS) that records what it was sent and can misbehave on purpose, and a
// self-signed certificate generated at test time with OpenSSL's C API.
#include <boost/asio/ssl/context.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bot::test {

struct seen_request {
    std::string method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;   // names lower-cased
    std::size_t connection = 0;                   // which connection carried it: 1, 2, … in accept order
    std::string server_name;                      // TLS: the SNI the client sent (empty: none)
};

struct canned_response {
    int status = 200;
    std::string body;
    std::map<std::string, std::string> headers;
    bool close_after = false;   // close the connection after answering, without saying so
    bool drop = false;          // close the connection instead of answering
    bool hang = false;          // never answer; the connection stays open until the server stops
};

using answer_fn = std::function<canned_response(const seen_request&)>;

// Serves on 127.0.0.1, a free port, on its own thread until destroyed.
class test_server {
public:
    explicit test_server(answer_fn answer, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    unsigned short port() const;
    std::string url(std::string_view path = "/") const;   // http(s)://127.0.0.1:PORT + path
    std::size_t connections() const;                      // accepted so far
    std::vector<seen_request> requests() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A self-signed certificate (also its own CA) for the given subjectAltNames, as PEM
// files in a fresh temporary directory that the destructor removes.
class test_certificate {
public:
    test_certificate(const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses);
    ~test_certificate();
    test_certificate(const test_certificate&) = delete;
    test_certificate& operator=(const test_certificate&) = delete;

    std::string certificate_file() const { return (dir_ / "cert.pem").string(); }
    std::string key_file() const { return (dir_ / "key.pem").string(); }

    // A TLS server context presenting this certificate.
    std::shared_ptr<boost::asio::ssl::context> server_context() const;

private:
    std::filesystem::path dir_;
};

// A port on 127.0.0.1 that nothing listens on (it was free a moment ago).
unsigned short closed_port();

}  // namespace bot::test

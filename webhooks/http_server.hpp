#pragma once
// An HTTP/1.1 server on Boost.Beast: keep-alive, a request body limit, read and
// idle timeouts against slow clients, optional TLS, and a graceful stop that
// finishes in-flight requests. What to answer is the handler's business; the
// server only answers by itself for broken HTTP (400), oversized bodies (413) and
// oversized headers (431).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace bot::webhooks {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

struct connection_info {
    boost::asio::ip::tcp::endpoint remote;
    bool tls = false;
};

// Called exactly once per request, from any thread, with the answer. The server
// sets keep-alive (off once stopping, or when the answer says Connection: close),
// Content-Length and a `Server: casebot` header unless the answer has one.
// A second call is ignored (and logged as an error); if every copy is dropped
// without a call, the client gets 500. A call after stop() is dropped.
using responder = std::function<void(response)>;

// Runs on a server thread. It may answer at once or later (from another thread);
// either way it must call `respond` exactly once. It must not block for long: each
// connection stays on one server thread, so a handler that waits delays every
// connection of its thread (and, on the first thread, the accepting of new ones).
// If it throws, the client gets 500 "internal error" (logged as an error).
using request_handler = std::function<void(request&& req, const connection_info& from, responder respond)>;

struct server_options {
    std::string host = "127.0.0.1";
    unsigned short port = 8080;                        // 0 picks a free port (tests)
    std::size_t body_limit = 256 * 1024;               // larger bodies get 413
    std::size_t header_limit = 16 * 1024;              // larger headers get 431
    std::chrono::milliseconds read_timeout{10'000};    // a request's headers and body must arrive within this
    std::chrono::milliseconds idle_timeout{60'000};    // an idle keep-alive connection closes after this
    std::chrono::milliseconds write_timeout{10'000};
    std::chrono::milliseconds shutdown_grace{10'000};  // stop() waits this long for in-flight requests
    std::size_t max_connections = 10'000;              // beyond this, new connections are closed at once, and idle ones shed
    int threads = 2;
    std::shared_ptr<boost::asio::ssl::context> tls;    // null: plain HTTP
};

class http_server {
public:
    // `log` may be null (nothing is logged). Throws std::invalid_argument for an empty handler.
    http_server(server_options options, request_handler handler, std::shared_ptr<spdlog::logger> log);
    ~http_server();   // stops (gracefully) if still running
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds and starts accepting on the server's own threads. Throws
    // std::system_error when the address cannot be bound (or resolved), and
    // std::logic_error when called a second time.
    void start();

    // The bound address (after start()); the real port when options.port was 0.
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    // Graceful: stops accepting, lets in-flight requests finish and answers them
    // with Connection: close, closes idle connections, then joins the threads.
    // Requests still running after shutdown_grace are cut off. Idempotent.
    // Call it from outside the handler: called on a server thread it cannot wait,
    // so it stops at once without finishing in-flight requests.
    void stop();

    // Requests answered so far (for logs and tests): responses written in full,
    // including the server's own 400/413/431/500. Thread-safe.
    std::size_t requests_served() const noexcept;

    // Connections open right now (what max_connections counts). Thread-safe.
    std::size_t active_connections() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A TLS server context from PEM files; throws std::runtime_error naming the file
// that could not be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& certificate_file,
                                                            const std::string& private_key_file);

}  // namespace bot::webhooks

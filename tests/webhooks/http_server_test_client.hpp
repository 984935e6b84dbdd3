#pragma once
// Clients for the http_server tests: one connection each, every step bounded by a
// deadline, so that a test waits exactly as long as the server takes (never a
// fixed sleep) and a broken server fails the test instead of hanging it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace bot::test {

using namespace std::chrono_literals;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
using http_request = boost::beast::http::request<boost::beast::http::string_body>;

// Null (the server then logs nothing), unless HTTP_TEST_VERBOSE is set in the
// environment: then a logger that writes everything to stderr.
std::shared_ptr<spdlog::logger> test_logger();

// "GET /x HTTP/1.1" with a Host header (and the body with its Content-Length), as bytes.
std::string raw_request(std::string_view method, std::string_view target, std::string_view body = {},
                        std::string_view extra_headers = {});

// Plain TCP, raw bytes in, parsed responses out.
class raw_client {
public:
    // Connects; throws std::system_error when it cannot within `within`.
    explicit raw_client(const boost::asio::ip::tcp::endpoint& server, std::chrono::milliseconds within = 2s);

    // Writes all of `bytes`; throws std::system_error on failure.
    void send(std::string_view bytes, std::chrono::milliseconds within = 2s);

    // One response, or nullopt when the connection ended or `within` passed first
    // (last_error() says which). `to_head`: the answer to a HEAD, which has no body
    // whatever its Content-Length says.
    std::optional<http_response> read_response(std::chrono::milliseconds within = 2s, bool to_head = false);

    // Reads and discards until the server closes the connection. Returns how long
    // that took, or nullopt when it was still open after `within`.
    std::optional<std::chrono::milliseconds> wait_for_close(std::chrono::milliseconds within = 2s);

    // Sends `bytes` one at a time, one every `interval`, until the server closes the
    // connection. Returns how long that took, or nullopt when it was still open
    // after `within`.
    std::optional<std::chrono::milliseconds> trickle_until_closed(std::string_view bytes,
                                                                  std::chrono::milliseconds interval,
                                                                  std::chrono::milliseconds within);

    boost::system::error_code last_error() const { return last_error_; }

private:
    void run_until(const bool& done);

    boost::asio::io_context ioc_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    boost::system::error_code last_error_;
};

// What a connection attempt found: connection_refused after stop(), say.
boost::system::error_code try_connect(const boost::asio::ip::tcp::endpoint& server,
                                      std::chrono::milliseconds within = 2s);

// HTTPS: TLS with certificate verification, then one request per call.
class tls_client {
public:
    // Connects and handshakes, verifying the server against `ca_file` and
    // `host_name`; throws std::system_error on failure.
    tls_client(const boost::asio::ip::tcp::endpoint& server, const std::string& ca_file, const std::string& host_name,
               std::chrono::milliseconds within = 2s);

    // Sends the request and reads the answer; nullopt (and last_error()) on failure.
    std::optional<http_response> request(http_request req, std::chrono::milliseconds within = 2s);

    // Sends close_notify and waits for the server's.
    boost::system::error_code shutdown(std::chrono::milliseconds within = 2s);

    boost::system::error_code last_error() const { return last_error_; }

private:
    void run_until(const bool& done);

    boost::asio::io_context ioc_;
    boost::asio::ssl::context ctx_;
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    boost::system::error_code last_error_;
};

}  // namespace bot::test

#include "http_server_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <cstdlib>
#include <functional>
#include <system_error>

namespace bot::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds since(steady::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
}

bool is_close(const error_code& ec)
{
    return ec == net::error::eof || ec == net::error::connection_reset || ec == http::error::end_of_stream ||
           ec == net::error::broken_pipe;
}

}  // namespace

std::shared_ptr<spdlog::logger> test_logger()
{
    if (std::getenv("HTTP_TEST_VERBOSE") == nullptr)
        return nullptr;
    static auto const log = [] {
        auto l = std::make_shared<spdlog::logger>("http", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_level(spdlog::level::trace);
        l->set_pattern("%H:%M:%S.%e %t %l %v");
        return l;
    }();
    return log;
}

std::string raw_request(std::string_view method, std::string_view target, std::string_view body,
                        std::string_view extra_headers)
{
    auto out = fmt::format("{} {} HTTP/1.1\r\nHost: test\r\n{}", method, target, extra_headers);
    if (!body.empty() || method == "POST")
        out += fmt::format("Content-Length: {}\r\n", body.size());
    out += "\r\n";
    out += body;
    return out;
}

raw_client::raw_client(const tcp::endpoint& server, std::chrono::milliseconds within)
    : stream_(ioc_)
{
    bool done = false;
    stream_.expires_after(within);
    stream_.async_connect(server, [&](error_code ec) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        throw std::system_error(std::error_code(last_error_), "raw_client: connect");
}

void raw_client::run_until(const bool& done)
{
    ioc_.restart();
    while (!done && ioc_.run_one() != 0) {
    }
}

void raw_client::send(std::string_view bytes, std::chrono::milliseconds within)
{
    bool done = false;
    stream_.expires_after(within);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), [&](error_code ec, std::size_t) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        throw std::system_error(std::error_code(last_error_), "raw_client: send");
}

std::optional<http_response> raw_client::read_response(std::chrono::milliseconds within, bool to_head)
{
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(to_head);
    bool done = false;
    stream_.expires_after(within);
    http::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        return std::nullopt;
    return parser.release();
}

std::optional<std::chrono::milliseconds> raw_client::wait_for_close(std::chrono::milliseconds within)
{
    auto const start = steady::now();
    stream_.expires_after(within);
    for (;;) {
        bool done = false;
        // Whatever is already buffered from earlier reads does not count.
        buffer_.clear();
        stream_.async_read_some(buffer_.prepare(4096), [&](error_code ec, std::size_t) {
            last_error_ = ec;
            done = true;
        });
        run_until(done);
        if (is_close(last_error_))
            return since(start);
        if (last_error_)
            return std::nullopt;  // timeout (or something unexpected: the caller checks last_error())
    }
}

std::optional<std::chrono::milliseconds> raw_client::trickle_until_closed(std::string_view bytes,
                                                                          std::chrono::milliseconds interval,
                                                                          std::chrono::milliseconds within)
{
    auto const start = steady::now();
    bool closed = false;
    bool read_done = false;
    net::steady_timer tick(ioc_);
    std::size_t next = 0;
    std::array<char, 512> sink{};

    // A pending read notices the close; the timer writes a byte per tick.
    stream_.expires_after(within);
    std::function<void()> do_read = [&] {
        stream_.async_read_some(net::buffer(sink), [&](error_code ec, std::size_t) {
            if (!ec)
                return do_read();
            last_error_ = ec;
            closed = is_close(ec);
            read_done = true;
            tick.cancel();
        });
    };
    std::function<void()> do_tick = [&] {
        if (read_done || next >= bytes.size())
            return;
        error_code ec;
        stream_.socket().send(net::buffer(bytes.data() + next, 1), 0, ec);
        if (ec) {  // the server is gone: the read will report it
            return;
        }
        ++next;
        tick.expires_after(interval);
        tick.async_wait([&](error_code wait_ec) {
            if (!wait_ec)
                do_tick();
        });
    };
    do_read();
    do_tick();
    run_until(read_done);
    tick.cancel();
    if (closed)
        return since(start);
    return std::nullopt;
}

error_code try_connect(const tcp::endpoint& server, std::chrono::milliseconds within)
{
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    error_code result;
    stream.expires_after(within);
    stream.async_connect(server, [&](error_code ec) { result = ec; });
    ioc.run();
    return result;
}

tls_client::tls_client(const tcp::endpoint& server, const std::string& ca_file, const std::string& host_name,
                       std::chrono::milliseconds within)
    : ctx_(net::ssl::context::tls_client)
    , stream_(ioc_, ctx_)
{
    ctx_.load_verify_file(ca_file);
    stream_.set_verify_mode(net::ssl::verify_peer);
    stream_.set_verify_callback(net::ssl::host_name_verification(host_name));

    bool done = false;
    auto& tcp_layer = beast::get_lowest_layer(stream_);
    tcp_layer.expires_after(within);
    tcp_layer.async_connect(server, [&](error_code ec) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        throw std::system_error(std::error_code(last_error_), "tls_client: connect");

    done = false;
    stream_.async_handshake(net::ssl::stream_base::client, [&](error_code ec) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        throw std::system_error(std::error_code(last_error_), "tls_client: handshake");
}

void tls_client::run_until(const bool& done)
{
    ioc_.restart();
    while (!done && ioc_.run_one() != 0) {
    }
}

std::optional<http_response> tls_client::request(http_request req, std::chrono::milliseconds within)
{
    req.prepare_payload();
    bool done = false;
    beast::get_lowest_layer(stream_).expires_after(within);
    http::async_write(stream_, req, [&](error_code ec, std::size_t) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        return std::nullopt;

    http::response_parser<http::string_body> parser;
    done = false;
    http::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    if (last_error_)
        return std::nullopt;
    return parser.release();
}

error_code tls_client::shutdown(std::chrono::milliseconds within)
{
    bool done = false;
    beast::get_lowest_layer(stream_).expires_after(within);
    stream_.async_shutdown([&](error_code ec) {
        last_error_ = ec;
        done = true;
    });
    run_until(done);
    return last_error_;
}

}  // namespace bot::test

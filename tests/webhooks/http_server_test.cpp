// The HTTP server on a real loopback socket: keep-alive, the limits it enforces by
// itself, its timeouts against slow clients, asynchronous answers, the catch-all
// and the graceful stop. Timeouts are a few hundred milliseconds, and every wait
// is a bounded read that returns as soon as the server acts.
#include "webhooks/http_server.hpp"  // first: proves the header is self-contained

#include "support/gate.hpp"
#include "http_server_test_client.hpp"

#include <boost/beast/http/field.hpp>
#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using bot::test::raw_client;
using bot::test::raw_request;
using bot::webhooks::connection_info;
using bot::webhooks::http_server;
using bot::webhooks::request;
using bot::webhooks::responder;
using bot::webhooks::response;
using bot::webhooks::server_options;

namespace {

server_options small_options()
{
    server_options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.body_limit = 1024;
    o.header_limit = 1024;
    o.read_timeout = 300ms;
    o.idle_timeout = 500ms;
    o.write_timeout = 1000ms;
    o.shutdown_grace = 2000ms;
    o.threads = 2;
    return o;
}

response text(http::status status, std::string body)
{
    response res{status, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = std::move(body);
    return res;
}

// Answers at once with "METHOD target|body" and remembers who asked.
struct echo {
    std::atomic<int> calls{0};
    std::mutex mutex;
    std::vector<connection_info> callers;

    bot::webhooks::request_handler handler()
    {
        return [this](request&& req, const connection_info& from, responder respond) {
            ++calls;
            {
                std::lock_guard lock(mutex);
                callers.push_back(from);
            }
            respond(text(http::status::ok,
                         std::string(req.method_string()) + " " + std::string(req.target()) + "|" + req.body()));
        };
    }
};

// Runs answers on threads of its own, `delay` after the request, and joins them.
struct late_answers {
    std::chrono::milliseconds delay;
    std::mutex mutex;
    std::vector<std::thread> threads;
    std::promise<void> first_request;
    std::atomic<bool> signalled{false};

    explicit late_answers(std::chrono::milliseconds d) : delay(d) {}
    ~late_answers() { join(); }

    void join()
    {
        std::lock_guard lock(mutex);
        for (auto& t : threads)
            t.join();
        threads.clear();
    }

    bot::webhooks::request_handler handler()
    {
        return [this](request&& req, const connection_info&, responder respond) {
            std::lock_guard lock(mutex);
            threads.emplace_back([this, body = req.body(), respond = std::move(respond)] {
                std::this_thread::sleep_for(delay);  // the handler's slow work, not the test waiting
                respond(text(http::status::ok, "late " + body));
            });
            if (!signalled.exchange(true))
                first_request.set_value();
        };
    }
};

// A logger that keeps what it is told, for checking that something was logged.
struct captured_log {
    std::ostringstream out;
    std::shared_ptr<spdlog::logger> logger;

    captured_log()
        : logger(std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)))
    {
        logger->set_level(spdlog::level::warn);
        logger->set_pattern("%l %v");
    }
    std::string text()
    {
        logger->flush();
        return out.str();
    }
};

}  // namespace

TEST_CASE("the server reports the port it was given when port 0 was asked for")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    auto const at = server.local_endpoint();
    CHECK(at.port() != 0);
    CHECK(at.address().to_string() == "127.0.0.1");
    raw_client client(at);
    client.send(raw_request("GET", "/ping"));
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
}

TEST_CASE("a keep-alive connection serves several requests in turn")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());

    client.send(raw_request("GET", "/one"));
    auto const first = client.read_response();
    client.send(raw_request("POST", "/two", "payload"));
    auto const second = client.read_response();
    client.send(raw_request("GET", "/three"));
    auto const third = client.read_response();

    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(third);
    CHECK(first->body() == "GET /one|");
    CHECK(second->body() == "POST /two|payload");
    CHECK(third->body() == "GET /three|");
    CHECK(third->keep_alive());
    CHECK((*third)[http::field::server] == "casebot");
    CHECK((*third)[http::field::content_length] == "11");

    server.stop();
    CHECK(server.requests_served() == 3);
    CHECK(e.calls == 3);
    REQUIRE(e.callers.size() == 3);
    CHECK(e.callers[0].remote.address().is_loopback());
    CHECK_FALSE(e.callers[0].tls);
}

TEST_CASE("pipelined requests are answered one after another, in order")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());

    client.send(raw_request("GET", "/a") + raw_request("POST", "/b", "xyz") + raw_request("GET", "/c"));
    auto const a = client.read_response();
    auto const b = client.read_response();
    auto const c = client.read_response();
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(a->body() == "GET /a|");
    CHECK(b->body() == "POST /b|xyz");
    CHECK(c->body() == "GET /c|");
}

TEST_CASE("a HEAD is answered with GET's headers and no body, and the connection goes on")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());

    client.send(raw_request("HEAD", "/h") + raw_request("GET", "/after"));
    auto const head = client.read_response(2s, true);
    REQUIRE(head);
    CHECK(head->result() == http::status::ok);
    CHECK((*head)[http::field::content_length] == "8");  // "HEAD /h|", as a GET would have had
    CHECK(head->keep_alive());
    // Had the body been sent, it would stand where this answer starts.
    auto const after = client.read_response();
    REQUIRE(after);
    CHECK(after->body() == "GET /after|");
}

TEST_CASE("a client that expects 100-continue is told to go on, then answered")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());

    client.send("POST /up HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto const go_on = client.read_response();   // before any of the body was sent
    REQUIRE(go_on);
    CHECK(go_on->result() == http::status::continue_);
    client.send("hello");
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK(res->body() == "POST /up|hello");
    CHECK(e.calls == 1);
}

TEST_CASE("a handler's own Server header and Connection: close are respected")
{
    http_server server(
        small_options(),
        [](request&&, const connection_info&, responder respond) {
            auto res = text(http::status::ok, "bye");
            res.set(http::field::server, "other");
            res.set(http::field::connection, "close");
            respond(std::move(res));
        },
        bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/"));
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK((*res)[http::field::server] == "other");
    CHECK_FALSE(res->keep_alive());
    CHECK(client.wait_for_close(1s));
}

TEST_CASE("broken or oversized requests are answered by the server itself, which then closes and keeps serving")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());

    SUBCASE("a Content-Length over the body limit gets 413 before the body is sent")
    {
        // Only the header goes out: the answer must not wait for the body.
        client.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n");
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::payload_too_large);
        CHECK_FALSE(res->keep_alive());
        CHECK(res->body() == "payload too large\n");
    }
    SUBCASE("a chunked body that grows over the body limit gets 413")
    {
        std::string const chunk(800, 'x');
        client.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
        client.send("320\r\n" + chunk + "\r\n");  // 800 bytes: still within 1024
        client.send("320\r\n" + chunk + "\r\n");  // 1600: over
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::payload_too_large);
    }
    SUBCASE("a header over the header limit gets 431")
    {
        client.send("GET / HTTP/1.1\r\nHost: test\r\nX-Padding: " + std::string(2000, 'p') + "\r\n\r\n");
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::request_header_fields_too_large);
    }
    SUBCASE("a Transfer-Encoding that does not end in chunked gets 400; its body is never taken for a request")
    {
        client.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n" +
                    raw_request("GET", "/smuggled"));
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::bad_request);
        CHECK_FALSE(res->keep_alive());
    }
    SUBCASE("a coding besides chunked gets 501")
    {
        client.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::not_implemented);
    }
    SUBCASE("a garbage request line gets 400 with a short text body")
    {
        client.send("HELLO THERE\r\n\r\n");
        auto const res = client.read_response();
        REQUIRE(res);
        CHECK(res->result() == http::status::bad_request);
        CHECK(res->body() == "bad request\n");
        CHECK((*res)[http::field::content_type] == "text/plain; charset=utf-8");
    }

    CHECK(client.wait_for_close(1s));
    CHECK(e.calls == 0);

    raw_client next(server.local_endpoint());
    next.send(raw_request("GET", "/after"));
    auto const after = next.read_response();
    REQUIRE(after);
    CHECK(after->body() == "GET /after|");
}

TEST_CASE("a client that sends half a header and stalls is disconnected after read_timeout")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send("GET /slow HTTP/1.1\r\nHost: te");
    auto const closed_after = client.wait_for_close(2s);
    REQUIRE(closed_after);
    CHECK(*closed_after >= 200ms);  // read_timeout is 300 ms, counted from the connection
    CHECK(*closed_after < 1500ms);
    CHECK(e.calls == 0);
}

TEST_CASE("a client that trickles its header a byte at a time is disconnected after read_timeout")
{
    // Each byte arrives well within any per-read timeout; the whole request does not.
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    auto const closed_after =
        client.trickle_until_closed("GET /slow HTTP/1.1\r\nHost: test\r\nX-A: 1\r\nX-B: 2\r\n\r\n", 40ms, 3s);
    REQUIRE(closed_after);
    CHECK(*closed_after < 1000ms);  // the whole header would take about 2 s
    CHECK(e.calls == 0);
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/"));
    REQUIRE(client.read_response());
    auto const closed_after = client.wait_for_close(2s);
    REQUIRE(closed_after);
    CHECK(*closed_after >= 400ms);  // idle_timeout (500 ms), not read_timeout (300 ms)
    CHECK(*closed_after < 1500ms);
}

TEST_CASE("a client that does not read its answer is cut off after write_timeout")
{
    auto o = small_options();
    o.write_timeout = 300ms;
    // Far more than the socket buffers of both ends hold, so the write has to wait.
    std::string const big(32 * 1024 * 1024, 'b');
    std::promise<void> answering;
    http_server server(
        o,
        [&](request&&, const connection_info&, responder respond) {
            respond(text(http::status::ok, big));
            answering.set_value();
        },
        bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/big"));
    answering.get_future().wait();

    // The client never reads; the server gives up on it.
    auto const start = std::chrono::steady_clock::now();
    while (server.active_connections() != 0 && std::chrono::steady_clock::now() - start < 3s)
        std::this_thread::sleep_for(10ms);
    auto const took = std::chrono::steady_clock::now() - start;
    CHECK(server.active_connections() == 0);
    CHECK(took >= 200ms);
    CHECK(took < 2s);
    server.stop();
    CHECK(server.requests_served() == 0);
}

TEST_CASE("an HTTP/1.0 request without keep-alive is answered and the connection closed")
{
    echo e;
    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send("GET /old HTTP/1.0\r\n\r\n");
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK(res->body() == "GET /old|");
    CHECK_FALSE(res->keep_alive());
    CHECK(client.wait_for_close(1s));
}

TEST_CASE("an answer given 200 ms later from another thread is delivered")
{
    late_answers late(200ms);
    http_server server(small_options(), late.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("POST", "/slow", "work"));
    auto const res = client.read_response(2s);
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
    CHECK(res->body() == "late work");
    CHECK(res->keep_alive());

    // The connection still serves the next request.
    client.send(raw_request("POST", "/slow", "more"));
    auto const next = client.read_response(2s);
    REQUIRE(next);
    CHECK(next->body() == "late more");
}

TEST_CASE("a handler that throws gets a 500 and the server keeps serving")
{
    captured_log log;
    http_server server(
        small_options(),
        [](request&& req, const connection_info&, responder respond) {
            if (req.target() == "/boom")
                throw std::runtime_error("boom");
            respond(text(http::status::ok, "fine"));
        },
        log.logger);
    server.start();
    raw_client client(server.local_endpoint());

    client.send(raw_request("GET", "/boom"));
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK(res->result() == http::status::internal_server_error);
    CHECK(res->body() == "internal error\n");

    client.send(raw_request("GET", "/fine"));  // same connection
    auto const same = client.read_response();
    REQUIRE(same);
    CHECK(same->body() == "fine");

    raw_client other(server.local_endpoint());  // and a new one
    other.send(raw_request("GET", "/fine"));
    auto const fresh = other.read_response();
    REQUIRE(fresh);
    CHECK(fresh->body() == "fine");

    server.stop();
    CHECK(log.text().find("error http: the handler threw: what=boom") != std::string::npos);
}

TEST_CASE("a responder called twice sends one answer and logs an error")
{
    captured_log log;
    http_server server(
        small_options(),
        [](request&&, const connection_info&, responder respond) {
            respond(text(http::status::ok, "first"));
            respond(text(http::status::ok, "second"));
        },
        log.logger);
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/") + raw_request("GET", "/"));
    auto const one = client.read_response();
    auto const two = client.read_response();
    REQUIRE(one);
    REQUIRE(two);
    CHECK(one->body() == "first");
    CHECK(two->body() == "first");  // the answer to the second request, not the extra one
    server.stop();
    CHECK(server.requests_served() == 2);
    CHECK(log.text().find("called more than once") != std::string::npos);
}

TEST_CASE("a handler that drops its responder without answering gets a 500")
{
    http_server server(
        small_options(), [](request&&, const connection_info&, responder) {}, bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/"));
    auto const res = client.read_response();
    REQUIRE(res);
    CHECK(res->result() == http::status::internal_server_error);
}

TEST_CASE("stop() lets a request in flight finish with Connection: close, then refuses new connections")
{
    late_answers late(200ms);
    http_server server(small_options(), late.handler(), bot::test::test_logger());
    server.start();
    auto const at = server.local_endpoint();

    std::atomic<bool> answered{false};
    auto client_side = std::async(std::launch::async, [&] {
        raw_client client(at);
        client.send(raw_request("POST", "/slow", "inflight"));
        auto res = client.read_response(3s);
        answered = res.has_value();
        auto closed = client.wait_for_close(3s);
        return std::make_pair(res, closed.has_value());  // the client closes its side here
    });
    late.first_request.get_future().wait();  // the handler has the request

    server.stop();
    // stop() returned only after the client had its whole answer.
    CHECK(answered);
    auto const [res, closed] = client_side.get();
    REQUIRE(res);
    CHECK(res->body() == "late inflight");
    CHECK_FALSE(res->keep_alive());
    CHECK((*res)[http::field::connection] == "close");
    CHECK(closed);
    CHECK(server.requests_served() == 1);

    CHECK(bot::test::try_connect(at, 1s) == boost::asio::error::connection_refused);
    server.stop();  // idempotent
}

TEST_CASE("stop() closes idle keep-alive connections at once")
{
    auto o = small_options();
    o.idle_timeout = 10s;
    echo e;
    http_server server(o, e.handler(), bot::test::test_logger());
    server.start();
    raw_client client(server.local_endpoint());
    client.send(raw_request("GET", "/"));
    REQUIRE(client.read_response());

    auto const start = std::chrono::steady_clock::now();
    server.stop();
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    CHECK(client.wait_for_close(1s));
}

TEST_CASE("a request still running after shutdown_grace is cut off and its late answer is ignored")
{
    auto o = small_options();
    o.shutdown_grace = 200ms;
    std::mutex mutex;
    std::optional<responder> parked;
    std::promise<void> got_request;
    auto server = std::make_unique<http_server>(
        o,
        [&](request&&, const connection_info&, responder respond) {
            std::lock_guard lock(mutex);
            parked = std::move(respond);
            got_request.set_value();
        },
        bot::test::test_logger());
    server->start();
    raw_client client(server->local_endpoint());
    client.send(raw_request("GET", "/forever"));
    got_request.get_future().wait();

    auto const start = std::chrono::steady_clock::now();
    server->stop();
    auto const took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 150ms);
    CHECK(took < 1500ms);
    CHECK_FALSE(client.read_response(1s));  // closed without an answer

    // Answering now, and after the server is gone, does nothing (and does not crash).
    std::lock_guard lock(mutex);
    REQUIRE(parked);
    (*parked)(text(http::status::ok, "too late"));
    server.reset();
    parked.reset();
    CHECK(true);
}

TEST_CASE("beyond max_connections new connections are closed at once, and idle ones make room")
{
    auto o = small_options();
    o.max_connections = 1;
    echo e;
    http_server server(o, e.handler(), bot::test::test_logger());
    server.start();
    raw_client first(server.local_endpoint());
    first.send(raw_request("GET", "/"));
    REQUIRE(first.read_response());  // the server has counted it
    CHECK(server.active_connections() == 1);

    raw_client second(server.local_endpoint());
    auto const refused_after = second.wait_for_close(1s);
    REQUIRE(refused_after);
    CHECK(*refused_after < 500ms);

    // The first one only waited for its next request: it was closed to make room
    // (idle connections cannot keep everyone out), so the next client gets in.
    REQUIRE(first.wait_for_close(1s));
    raw_client third(server.local_endpoint());
    third.send(raw_request("GET", "/third"));
    auto const answered = third.read_response();
    REQUIRE(answered);
    CHECK(answered->body() == "GET /third|");
}

TEST_CASE("a full server does not shed a connection whose request is being handled")
{
    auto o = small_options();
    o.max_connections = 1;
    bot::test::gate entered;
    bot::test::gate release;
    std::thread worker;
    http_server server(
        o,
        [&](request&& req, const connection_info&, responder respond) {
            worker = std::thread([&release, respond = std::move(respond), target = std::string{req.target()}] {
                release.wait();
                respond(text(http::status::ok, "done " + target));
            });
            entered.open();
        },
        bot::test::test_logger());
    server.start();
    raw_client busy(server.local_endpoint());
    busy.send(raw_request("GET", "/slow"));
    REQUIRE(entered.wait());
    raw_client second(server.local_endpoint());
    REQUIRE(second.wait_for_close(1s));   // refused, and the busy one is not idle
    release.open();
    auto const answered = busy.read_response();
    worker.join();
    REQUIRE(answered);
    CHECK(answered->body() == "done /slow");
}

TEST_CASE("start() throws std::system_error when the port is taken")
{
    echo e;
    http_server first(small_options(), e.handler(), bot::test::test_logger());
    first.start();
    auto o = small_options();
    o.port = first.local_endpoint().port();
    http_server second(o, e.handler(), bot::test::test_logger());
    CHECK_THROWS_AS(second.start(), std::system_error);
    try {
        second.start();
    } catch (const std::system_error& err) {
        CHECK(err.code() == std::errc::address_in_use);
    }
}

TEST_CASE("a server starts only once, and stop() before start() or twice is harmless")
{
    echo e;
    http_server never_started(small_options(), e.handler(), bot::test::test_logger());
    never_started.stop();

    http_server server(small_options(), e.handler(), bot::test::test_logger());
    server.start();
    CHECK_THROWS_AS(server.start(), std::logic_error);
    server.stop();
    server.stop();
    CHECK_THROWS_AS(server.start(), std::logic_error);
}

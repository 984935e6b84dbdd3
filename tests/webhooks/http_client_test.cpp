#include "webhooks/http_client.hpp"

#include "http_client_test_server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using bot::test::canned_response;
using bot::test::seen_request;
using bot::test::test_certificate;
using bot::test::test_server;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using namespace std::chrono_literals;

namespace {

canned_response echo(const seen_request& r)
{
    return canned_response{200, r.body, {{"Content-Type", "text/plain"}, {"X-Echo-Target", r.target}}};
}

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

template <class F>
std::chrono::milliseconds time_it(F&& f)
{
    auto const start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

TEST_CASE("several requests to one server share one kept-alive connection")
{
    test_server server(echo);
    http_client client(fast_options());
    for (int i = 0; i < 3; ++i) {
        auto const r = client.post(server.url("/n"), "text/plain", "hello " + std::to_string(i));
        REQUIRE(r.status == 200);
        CHECK(r.body == "hello " + std::to_string(i));
    }
    CHECK(server.connections() == 1);
    CHECK(client.connections_opened() == 1);
    auto const seen = server.requests();
    REQUIRE(seen.size() == 3);
    CHECK(seen[2].connection == 1);
}

TEST_CASE("a request carries host, user agent, content type and extra headers, and answers have lower-cased names")
{
    test_server server([](const seen_request&) {
        return canned_response{201, "{}", {{"Content-Type", "application/json"}, {"X-Request-ID", "abc"}}};
    });
    auto options = fast_options();
    options.user_agent = "casebot-test/1";
    http_client client(options);
    auto const r = client.post(server.url("/path/x?y=1&z=two"), "application/json; charset=utf-8", "{\"a\":1}",
                               {{"Authorization", "Bearer t"}, {"X-Extra", "yes"}});
    REQUIRE(r.status == 201);
    CHECK(r.body == "{}");
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(r.header("x-request-id") == "abc");
    CHECK(r.header("X-Request-ID") == "abc");
    CHECK_FALSE(r.header("x-missing").has_value());

    auto const seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].target == "/path/x?y=1&z=two");
    CHECK(seen[0].headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen[0].headers.at("user-agent") == "casebot-test/1");
    CHECK(seen[0].headers.at("content-type") == "application/json; charset=utf-8");
    CHECK(seen[0].headers.at("content-length") == "7");
    CHECK(seen[0].headers.at("authorization") == "Bearer t");
    CHECK(seen[0].headers.at("x-extra") == "yes");
    CHECK(seen[0].body == "{\"a\":1}");
}

TEST_CASE("a kept-alive connection the server closed is retried once on a fresh connection")
{
    // The server answers and then closes without saying so, as an idle timeout would.
    test_server server([](const seen_request& r) {
        auto c = echo(r);
        c.close_after = true;
        return c;
    });
    http_client client(fast_options());
    auto const first = client.get(server.url("/a"));
    REQUIRE(first.status == 200);
    // Whether the close has reached us yet (the connection is then dropped unused) or
    // not (the GET fails on it and, being safe to repeat, goes again on a fresh one).
    auto const second = client.get(server.url("/b"));
    REQUIRE(second.status == 200);
    CHECK(second.header("x-echo-target") == std::optional<std::string>{"/b"});
    CHECK(server.connections() == 2);
    CHECK(client.connections_opened() == 2);
    // Each request reached the server exactly once.
    CHECK(server.requests().size() == 2);
}

TEST_CASE("a POST the server may have read before dropping a kept-alive connection is not sent again")
{
    // The second request is read, then the connection closes without an answer, as a
    // server that crashed mid-request would: the POST may have been acted on.
    test_server server([](const seen_request& r) {
        auto c = echo(r);
        c.drop = r.target == "/second";
        return c;
    });
    http_client client(fast_options());
    REQUIRE(client.post(server.url("/first"), "text/plain", "one").status == 200);
    auto const second = client.post(server.url("/second"), "text/plain", "two");
    CHECK(second.transport_failed());   // for the caller to settle: look it up, or send later
    CHECK(server.requests().size() == 2);
    CHECK(server.connections() == 1);
}

TEST_CASE("an answer with Connection: close is not kept for reuse")
{
    test_server server([](const seen_request& r) {
        auto c = echo(r);
        c.headers["Connection"] = "close";
        return c;
    });
    http_client client(fast_options());
    CHECK(client.get(server.url("/1")).status == 200);
    CHECK(client.get(server.url("/2")).status == 200);
    CHECK(server.connections() == 2);
    CHECK(server.requests().size() == 2);
}

TEST_CASE("a fresh connection dropped without an answer is a transport error and is not retried")
{
    test_server server([](const seen_request&) {
        canned_response c;
        c.drop = true;
        return c;
    });
    http_client client(fast_options());
    auto const r = client.post(server.url("/once"), "text/plain", "x");
    CHECK(r.transport_failed());
    CHECK(r.status == 0);
    CHECK_FALSE(r.error.empty());
    CHECK(server.requests().size() == 1);
}

TEST_CASE("connecting to a closed port fails fast with a transport error")
{
    http_client client(fast_options());
    auto const port = bot::test::closed_port();
    bot::webhooks::http_result r;
    auto const took = time_it([&] { r = client.get("http://127.0.0.1:" + std::to_string(port) + "/"); });
    CHECK(r.transport_failed());
    CHECK(r.error.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(took < 500ms);
}

TEST_CASE("a server that never answers times out within request_timeout and the request is not repeated")
{
    test_server server([](const seen_request&) {
        canned_response c;
        c.hang = true;
        return c;
    });
    auto options = fast_options();
    options.request_timeout = 300ms;
    http_client client(options);
    bot::webhooks::http_result r;
    auto const took = time_it([&] { r = client.post(server.url("/slow"), "text/plain", "x"); });
    CHECK(r.transport_failed());
    CHECK(r.error.find("timed out") != std::string::npos);
    CHECK(took >= 250ms);
    CHECK(took < 1'500ms);
    CHECK(server.requests().size() == 1);
}

TEST_CASE("a bad URL or method is a transport error, not an exception")
{
    http_client client(fast_options());
    CHECK(client.get("ftp://example.com/").error.find("scheme") != std::string::npos);
    CHECK(client.get("not a url").transport_failed());
    CHECK(client.get("http:///nohost").transport_failed());
    CHECK(client.request("FROB", "http://127.0.0.1:1/", {}, {}).transport_failed());
    CHECK(client.get("http://127.0.0.1:1/", {{"X-Bad", "a\r\nInjected: yes"}}).error == "invalid request header");
}

TEST_CASE("https checks the server certificate")
{
    test_certificate cert({"localhost"}, {"127.0.0.1"});
    test_server server(echo, cert.server_context());

    SUBCASE("trusted through ca_file, requests succeed and share one connection") {
        auto options = fast_options();
        options.ca_file = cert.certificate_file();
        http_client client(options);
        auto const first = client.post(server.url("/tls"), "text/plain", "secret");
        REQUIRE(first.status == 200);
        CHECK(first.body == "secret");
        CHECK(client.post(server.url("/tls"), "text/plain", "again").body == "again");
        CHECK(server.connections() == 1);
    }
    SUBCASE("not trusted, the handshake fails verification and nothing is sent") {
        http_client client(fast_options());
        auto const r = client.post(server.url("/tls"), "text/plain", "secret");
        CHECK(r.transport_failed());
        CHECK(r.error.find("certificate verify failed") != std::string::npos);
        CHECK(server.requests().empty());
    }
    SUBCASE("a ca_file that cannot be read fails every https request with a clear error") {
        auto options = fast_options();
        options.ca_file = cert.certificate_file() + ".missing";
        http_client client(options);
        auto const r = client.get(server.url("/tls"));
        CHECK(r.transport_failed());
        CHECK(r.error.find("ca_file") != std::string::npos);
    }
}

TEST_CASE("https to a host name resolves it, sends it as SNI and checks the certificate against it")
{
    test_certificate cert({"localhost"}, {});
    test_server server(echo, cert.server_context());
    auto options = fast_options();
    options.ca_file = cert.certificate_file();
    http_client client(options);
    auto const r = client.get("https://localhost:" + std::to_string(server.port()) + "/named");
    REQUIRE(r.status == 200);
    auto const seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].server_name == "localhost");
    CHECK(seen[0].headers.at("host") == "localhost:" + std::to_string(server.port()));

    SUBCASE("an IP address is never sent as SNI") {
        test_certificate by_ip({}, {"127.0.0.1"});
        test_server ip_server(echo, by_ip.server_context());
        options.ca_file = by_ip.certificate_file();
        http_client ip_client(options);
        REQUIRE(ip_client.get(ip_server.url("/ip")).status == 200);
        CHECK(ip_server.requests().at(0).server_name.empty());
    }
}

TEST_CASE("https refuses a trusted certificate issued for another host name")
{
    test_certificate cert({"chat.example.invalid"}, {});
    test_server server(echo, cert.server_context());
    auto options = fast_options();
    options.ca_file = cert.certificate_file();
    http_client client(options);
    auto const r = client.get(server.url("/tls"));
    CHECK(r.transport_failed());
    CHECK(r.error.find("certificate verify failed") != std::string::npos);
    CHECK(server.requests().empty());
}

TEST_CASE("four threads sharing one client each get their own answers")
{
    test_server server(echo);
    http_client client(fast_options());
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                auto const body = "thread " + std::to_string(t) + " request " + std::to_string(i);
                auto const r = client.post(server.url("/c"), "text/plain", body);
                if (r.status != 200 || r.body != body)
                    ++wrong;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    CHECK(wrong == 0);
    CHECK(server.requests().size() == 100);
    // At most one connection per thread at a time; kept-alive ones are reused.
    CHECK(server.connections() <= 4);
}

TEST_CASE("Retry-After is read as delta-seconds, and anything else counts as absent")
{
    auto with = [](std::string value) {
        bot::webhooks::http_result r;
        r.status = 429;
        r.headers["retry-after"] = std::move(value);
        return r.retry_after();
    };
    CHECK(with("30") == std::chrono::seconds{30});
    CHECK(with(" 7\t") == std::chrono::seconds{7});
    CHECK(with("0") == std::chrono::seconds{0});
    CHECK_FALSE(with("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
    CHECK_FALSE(with("-5").has_value());
    CHECK_FALSE(with("12s").has_value());
    CHECK_FALSE(with("").has_value());
    CHECK_FALSE(bot::webhooks::http_result{}.retry_after().has_value());
}

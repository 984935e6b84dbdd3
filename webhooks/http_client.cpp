#include "webhooks/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

namespace bot::webhooks {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using steady = std::chrono::steady_clock;

std::string to_lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

http_result failure(std::string text)
{
    http_result r;
    r.error = std::move(text);
    return r;
}

// Where a URL points, split the way the connection and the request need it.
struct endpoint_spec {
    bool tls = false;
    std::string host;          // to connect to, verify and send as SNI: no brackets
    std::string host_header;   // host[:port], IPv6 literals in brackets
    unsigned short port = 0;
    std::string target;        // origin-form: /path?query
    std::string key;           // scheme://host:port: names the pool entry and error texts
};

// Parses an absolute http(s) URL; on failure `error` says why (without echoing the URL,
// which may carry secrets in its path or query).
std::optional<endpoint_spec> parse_endpoint(std::string_view url, std::string& error)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        error = "invalid URL: " + parsed.error().message();
        return std::nullopt;
    }
    auto const& u = *parsed;
    endpoint_spec spec;
    auto const scheme = to_lower(u.scheme());
    if (scheme == "https")
        spec.tls = true;
    else if (scheme != "http") {
        error = "unsupported URL scheme: " + scheme;
        return std::nullopt;
    }
    spec.host = u.host_address();
    if (spec.host.empty()) {
        error = "URL has no host";
        return std::nullopt;
    }
    if (u.has_userinfo()) {
        error = "URL with user info is not supported";
        return std::nullopt;
    }
    std::uint16_t port = spec.tls ? 443 : 80;
    if (u.has_port() && !u.port().empty()) {
        port = u.port_number();
        if (port == 0) {
            error = "invalid URL port";
            return std::nullopt;
        }
    }
    spec.port = port;
    bool const ipv6 = u.host_type() == boost::urls::host_type::ipv6;
    std::string const bracketed = ipv6 ? "[" + spec.host + "]" : spec.host;
    bool const default_port = port == (spec.tls ? 443 : 80);
    spec.host_header = default_port ? bracketed : bracketed + ":" + std::to_string(port);
    spec.target = u.encoded_target();
    if (spec.target.empty() || spec.target.front() != '/')
        spec.target.insert(0, "/");
    spec.key = scheme + "://" + bracketed + ":" + std::to_string(port);
    return spec;
}

bool has_line_break(std::string_view s)
{
    return s.find_first_of("\r\n") != std::string_view::npos;
}

// One connection to one scheme+host+port. Used by one thread at a time: it has its
// own io_context, run by the calling thread until the operation at hand completes.
struct connection {
    net::io_context ioc{1};
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    std::string key;
    std::size_t exchanges = 0;   // answers read on this connection so far
    steady::time_point idle_since{};

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    // Whether the server has closed (or written to) the connection while it sat idle,
    // asked without blocking. Such a connection must not carry a request: the server
    // would never read it, and a request that may have been read is never sent twice.
    bool closed_by_peer()
    {
        auto& socket = lowest().socket();
        if (!socket.is_open())
            return true;
        char byte = 0;
        auto const n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0)
            return errno != EAGAIN && errno != EWOULDBLOCK;   // reset, or another error
        return true;   // 0: the server's FIN; > 0: bytes nobody asked for (a TLS alert, say)
    }

    // Runs the io_context until the operations started on it have completed
    // (each is bounded by a deadline on the stream or a timer).
    void run()
    {
        ioc.restart();
        ioc.run();
    }
};

// RFC 9110 section 9.2.2: a request that may be repeated without changing the outcome.
bool is_idempotent(http::verb v)
{
    switch (v) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::options:
    case http::verb::put:
    case http::verb::delete_:
        return true;
    default:
        return false;
    }
}

// What one attempt at an exchange produced.
struct attempt {
    http_result result;
    bool keep_alive = false;
    bool stale = false;   // failed on a reused connection before any byte of the answer
    bool request_written = false;   // the whole request went out: the server may have acted on it
};

}  // namespace

std::optional<std::string> http_result::header(std::string_view lower_name) const
{
    auto const it = headers.find(to_lower(lower_name));
    if (it == headers.end())
        return std::nullopt;
    return it->second;
}

std::optional<std::chrono::seconds> http_result::retry_after() const
{
    auto const value = header("retry-after");
    if (!value)
        return std::nullopt;
    std::string_view v = *value;
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    long long seconds = 0;
    auto const [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec != std::errc{} || end != v.data() + v.size() || seconds < 0)
        return std::nullopt;
    return std::chrono::seconds{seconds};
}

struct http_client::impl {
    http_client_options options;
    ssl::context tls{ssl::context::tls_client};
    std::once_flag tls_once;   // the context is set up on the first https:// request
    std::string tls_error;     // non-empty: https:// is unusable, every such request fails with this

    std::mutex mutex;
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;   // guarded by mutex
    std::atomic<std::size_t> opened{0};

    explicit impl(http_client_options o) : options(std::move(o)) {}

    // Loading the system store takes a while: plain-http clients (loopback tests) skip it.
    void setup_tls()
    {
        error_code ec;
        // TLS 1.2 is the floor Slack and Microsoft require; older protocols stay off.
        tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                        ec);
        if (!ec && SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION) != 1)
            tls_error = "TLS setup failed: cannot require TLS 1.2";
        if (ec)
            tls_error = "TLS setup failed: " + ec.message();
        tls.set_default_verify_paths(ec);
        if (ec && tls_error.empty())
            tls_error = "TLS setup failed: cannot load the system certificate store: " + ec.message();
        if (!options.ca_file.empty()) {
            tls.load_verify_file(options.ca_file, ec);
            if (ec && tls_error.empty())
                tls_error = "TLS setup failed: cannot use ca_file " + options.ca_file + ": " + ec.message();
        }
        tls.set_verify_mode(ssl::verify_peer, ec);
    }

    // An idle kept-alive connection for `key`, or null. Expired ones are closed.
    std::unique_ptr<connection> take_idle(const std::string& key)
    {
        std::vector<std::unique_ptr<connection>> expired;
        std::unique_ptr<connection> found;
        {
            std::lock_guard lock(mutex);
            auto it = idle.find(key);
            if (it == idle.end())
                return nullptr;
            auto& list = it->second;
            auto const oldest_allowed = steady::now() - options.idle_timeout;
            while (!list.empty()) {
                auto c = std::move(list.back());
                list.pop_back();
                if (c->idle_since < oldest_allowed) {
                    expired.push_back(std::move(c));
                    continue;
                }
                found = std::move(c);
                break;
            }
        }
        // `expired` is destroyed (and its sockets closed) outside the lock.
        return found;
    }

    void give_back(std::unique_ptr<connection> c)
    {
        c->idle_since = steady::now();
        std::unique_ptr<connection> surplus;
        {
            std::lock_guard lock(mutex);
            auto& list = idle[c->key];
            // Most recently used last: take_idle() reuses it first. Oldest first out when full.
            list.push_back(std::move(c));
            if (list.size() > options.max_idle_per_host) {
                surplus = std::move(list.front());
                list.erase(list.begin());
            }
        }
    }

    std::unique_ptr<connection> make_connection(const endpoint_spec& spec)
    {
        auto c = std::make_unique<connection>();
        c->key = spec.key;
        if (spec.tls)
            c->secure.emplace(c->ioc, tls);
        else
            c->plain.emplace(c->ioc);
        return c;
    }

    // Resolves, connects and (for https) handshakes, all within connect_timeout.
    std::optional<std::string> open(connection& c, const endpoint_spec& spec)
    {
        auto const deadline = steady::now() + options.connect_timeout;
        tcp::resolver::results_type endpoints;
        error_code ec;
        auto const address = net::ip::make_address(spec.host, ec);
        if (!ec) {
            endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, spec.port), spec.host,
                                                            std::to_string(spec.port));
        } else {
            // The timer abandons a slow lookup; getaddrinfo itself may still take its own time.
            tcp::resolver resolver(c.ioc);
            net::steady_timer timer(c.ioc, deadline);
            bool timed_out = false;
            timer.async_wait([&](error_code tec) {
                if (!tec) {
                    timed_out = true;
                    resolver.cancel();
                }
            });
            resolver.async_resolve(spec.host, std::to_string(spec.port),
                                   [&](error_code rec, tcp::resolver::results_type results) {
                                       ec = rec;
                                       endpoints = std::move(results);
                                       timer.cancel();
                                   });
            c.run();
            if (timed_out)
                return "timed out resolving " + spec.key;
            if (ec)
                return "cannot resolve " + spec.key + ": " + ec.message();
        }

        auto& stream = c.lowest();
        stream.expires_at(deadline);
        stream.async_connect(endpoints, [&](error_code cec, const tcp::endpoint&) { ec = cec; });
        c.run();
        if (ec == beast::error::timeout)
            return "timed out connecting to " + spec.key;
        if (ec)
            return "cannot connect to " + spec.key + ": " + ec.message();
        ++opened;
        error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);

        if (c.secure) {
            auto* ssl = c.secure->native_handle();
            // SNI carries host names only, never IP literals (RFC 6066 §3).
            error_code not_an_address;
            net::ip::make_address(spec.host, not_an_address);
            if (not_an_address) {
                // SSL_set_tlsext_host_name() spelled out: the macro's C cast trips -Wold-style-cast.
                if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                             const_cast<char*>(spec.host.c_str())) != 1)
                    return "TLS setup failed for " + spec.key + ": cannot set SNI";
            }
            c.secure->set_verify_mode(ssl::verify_peer);
            c.secure->set_verify_callback(ssl::host_name_verification(spec.host));
            c.secure->async_handshake(ssl::stream_base::client, [&](error_code hec) { ec = hec; });
            c.run();
            if (ec == beast::error::timeout)
                return "timed out in the TLS handshake with " + spec.key;
            if (ec) {
                std::string text = "TLS handshake with " + spec.key + " failed: " + ec.message();
                if (auto const verify = SSL_get_verify_result(ssl); verify != X509_V_OK)
                    text += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
                return text;
            }
        }
        stream.expires_never();
        return std::nullopt;
    }

    template <class Stream>
    attempt exchange_on(Stream& stream, connection& c, const endpoint_spec& spec,
                        const http::request<http::string_body>& req)
    {
        attempt out;
        bool const reused = c.exchanges > 0;
        error_code ec;
        // One deadline for the whole exchange: writing the request and reading the answer.
        c.lowest().expires_after(options.request_timeout);
        http::async_write(stream, req, [&](error_code wec, std::size_t) { ec = wec; });
        c.run();
        if (ec) {
            out.stale = reused && ec != beast::error::timeout;
            out.result = failure(ec == beast::error::timeout
                                     ? "request to " + spec.key + " timed out"
                                     : "cannot send the request to " + spec.key + ": " + ec.message());
            return out;
        }

        out.request_written = true;
        http::response_parser<http::string_body> parser;
        parser.body_limit(options.max_response_body);
        c.buffer.clear();
        http::async_read(stream, c.buffer, parser, [&](error_code rec, std::size_t) { ec = rec; });
        c.run();
        if (ec) {
            out.stale = reused && ec != beast::error::timeout && !parser.got_some() && c.buffer.size() == 0;
            if (ec == beast::error::timeout)
                out.result = failure("request to " + spec.key + " timed out");
            else if (ec == http::error::body_limit)
                out.result = failure("the answer from " + spec.key + " is larger than the limit");
            else
                out.result = failure("cannot read the answer from " + spec.key + ": " + ec.message());
            return out;
        }
        c.lowest().expires_never();
        ++c.exchanges;

        auto res = parser.release();
        out.result.status = static_cast<int>(res.result_int());
        for (auto const& field : res) {
            auto name = to_lower(field.name_string());
            auto [it, inserted] = out.result.headers.emplace(name, std::string(field.value()));
            if (!inserted)
                it->second.append(", ").append(field.value());
        }
        out.result.body = std::move(res.body());
        // Bytes beyond the answer mean the stream is out of step: do not reuse it.
        out.keep_alive = res.keep_alive() && c.buffer.size() == 0;
        return out;
    }

    attempt exchange(connection& c, const endpoint_spec& spec, const http::request<http::string_body>& req)
    {
        if (!c.lowest().socket().is_open()) {
            if (auto err = open(c, spec)) {
                attempt out;
                out.result = failure(std::move(*err));
                return out;
            }
        }
        if (c.secure)
            return exchange_on(*c.secure, c, spec, req);
        return exchange_on(*c.plain, c, spec, req);
    }

    http_result request(std::string_view method, std::string_view url, std::string_view content_type,
                        std::string_view body, const std::map<std::string, std::string>& headers)
    {
        std::string error;
        auto spec = parse_endpoint(url, error);
        if (!spec)
            return failure(std::move(error));
        if (spec->tls) {
            std::call_once(tls_once, [this] { setup_tls(); });
            if (!tls_error.empty())
                return failure(tls_error);
        }
        auto const verb = http::string_to_verb(method);
        if (verb == http::verb::unknown)
            return failure("unsupported HTTP method");

        http::request<http::string_body> req{verb, spec->target, 11};
        req.set(http::field::host, spec->host_header);
        req.set(http::field::user_agent, options.user_agent);
        if (!content_type.empty())
            req.set(http::field::content_type, content_type);
        for (auto const& [name, value] : headers) {
            if (name.empty() || has_line_break(name) || has_line_break(value))
                return failure("invalid request header");
            req.set(name, value);
        }
        req.body() = std::string(body);
        req.prepare_payload();

        auto c = take_idle(spec->key);
        while (c && c->closed_by_peer())
            c = take_idle(spec->key);   // closed while idle: dropped here, never written to
        if (!c)
            c = make_connection(*spec);
        auto outcome = exchange(*c, *spec, req);
        // A kept-alive connection the server closed just as we wrote: one fresh try, but
        // only for a request that is safe to repeat. A POST the server may have read
        // (chat.postMessage) is reported as failed, for the caller to settle (look it up).
        if (outcome.stale && (is_idempotent(verb) || !outcome.request_written)) {
            c = make_connection(*spec);
            outcome = exchange(*c, *spec, req);
        }
        if (!outcome.result.transport_failed() && outcome.keep_alive)
            give_back(std::move(c));
        return std::move(outcome.result);
    }
};

http_client::http_client(http_client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

http_client::~http_client() = default;

http_result http_client::request(std::string_view method, std::string_view url, std::string_view content_type,
                                 std::string_view body, const std::map<std::string, std::string>& headers)
{
    try {
        return impl_->request(method, url, content_type, body, headers);
    } catch (const std::exception& e) {
        return failure(std::string("HTTP client failure: ") + e.what());
    } catch (...) {
        return failure("HTTP client failure");
    }
}

std::size_t http_client::connections_opened() const noexcept
{
    return impl_->opened.load();
}

}  // namespace bot::webhooks

// webhooks/http_server.cpp: the Beast sessions behind http_server (see the header).
//
// Shape: a shared `server_state` owns one io_context per server thread, the
// acceptor, the handler and a registry of open sessions. Each session lives on one
// io_context (handed out in turn), whose single thread runs all its handlers in
// order, so a session needs no strand and its posts stay on one thread. A session
// holds the state, so the io_contexts outlive every socket. A session reads one
// request at a time, hands it to the handler with a `responder`, writes the answer
// and then reads again (keep-alive) or closes.
#include "webhooks/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bot::webhooks {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

// After a response that closes the connection we stop sending and discard what the
// client still sends, for at most this long and this many bytes, before closing:
// closing a socket with unread input resets the connection, and a reset can destroy
// the response before the client has read it (nginx calls this a lingering close).
constexpr std::chrono::milliseconds max_linger{2'000};
constexpr std::size_t max_linger_bytes = 1024 * 1024;

// How much the first read of a request asks the socket for.
constexpr std::size_t first_read_size = 4096;

// stop() waits this long for forcibly closed sessions to notice.
constexpr std::chrono::milliseconds force_close_wait{1'000};

// The refusal warning for max_connections is logged at most this often.
constexpr std::chrono::seconds refusal_log_interval{1};

std::shared_ptr<spdlog::logger> null_logger()
{
    static auto const log =
        std::make_shared<spdlog::logger>("http_server", std::make_shared<spdlog::sinks::null_sink_mt>());
    return log;
}

std::string describe(const tcp::endpoint& ep)
{
    return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

std::string_view to_std(beast::string_view s)
{
    return {s.data(), s.size()};
}

bool is_http_error(const error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// The codes that end a session in the ordinary course of things: the client went
// away, a timeout fired, or we closed the socket ourselves.
bool is_expected(const error_code& ec)
{
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == ssl::error::stream_truncated)
        return true;
    // OpenSSL 3 reports a peer that closes without close_notify as an error of its own.
    return ec.category() == net::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

response plain_text(http::status status, std::string_view text)
{
    response res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = fmt::format("{}\n", text);
    return res;
}

response internal_error()
{
    return plain_text(http::status::internal_server_error, "internal error");
}

// Exposes io_context::shutdown(): it destroys the handlers still queued (and the
// sessions they hold) but keeps the services that sockets need to be destroyed later.
class server_io_context : public net::io_context {
public:
    using net::io_context::io_context;
    using net::execution_context::shutdown;
};

class session_base {
public:
    virtual ~session_base() = default;
    // Any thread: write this answer to the request being handled.
    virtual void deliver(response res) = 0;
    // Any thread: close now if waiting for a request that has not started.
    virtual void stop_if_idle() = 0;
    // Any thread: close now if waiting for a request's first byte (the server is full).
    virtual void shed_if_idle() = 0;
    // Any thread: close now, whatever is going on.
    virtual void force_close() = 0;
};

class server_state : public std::enable_shared_from_this<server_state> {
public:
    server_state(server_options opts, request_handler h, std::shared_ptr<spdlog::logger> l)
        : options(std::move(opts))
        , handler(std::move(h))
        , log(l ? std::move(l) : null_logger())
        , contexts(make_contexts(options.threads))
    {
    }

    const server_options options;
    const request_handler handler;
    const std::shared_ptr<spdlog::logger> log;
    // One per server thread, each run by its thread alone (concurrency hint 1).
    const std::vector<std::unique_ptr<server_io_context>> contexts;
    tcp::acceptor acceptor{contexts.front()->get_executor()};  // on the first context's thread once running
    net::steady_timer accept_retry{acceptor.get_executor()};
    // Keep the threads running while a handler holds a request and no I/O is
    // pending (after stop() closed the acceptor, say); released by stop().
    std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> served{0};

    static std::vector<std::unique_ptr<server_io_context>> make_contexts(int threads)
    {
        std::vector<std::unique_ptr<server_io_context>> out;
        for (int i = 0; i < std::max(1, threads); ++i)
            out.push_back(std::make_unique<server_io_context>(1));
        return out;
    }

    // Server thread i: run context i; an exception that escapes a handler is logged
    // and the thread goes back to work.
    void run(std::size_t i) noexcept
    {
        for (;;) {
            try {
                contexts[i]->run();
                return;
            } catch (const std::exception& e) {
                log_noexcept("http: unexpected exception on a server thread: {}", e.what());
            } catch (...) {
                log_noexcept("http: unexpected exception on a server thread: {}", "(not a std::exception)");
            }
        }
    }

    void do_accept()
    {
        // Connections go to the contexts in turn; the acceptor's handler runs on the first.
        auto& next = *contexts[next_context_++ % contexts.size()];
        acceptor.async_accept(next.get_executor(),
                              beast::bind_front_handler(&server_state::on_accept, shared_from_this()));
    }

    void close_acceptor()
    {
        error_code ignored;
        acceptor.close(ignored);
        accept_retry.cancel();
    }

    // The session registry: what stop() waits for and max_connections counts.
    std::uint64_t add(std::weak_ptr<session_base> s)
    {
        std::lock_guard lock(mutex_);
        auto const id = ++next_id_;
        sessions_.emplace(id, std::move(s));
        return id;
    }

    void remove(std::uint64_t id) noexcept
    {
        std::lock_guard lock(mutex_);
        if (sessions_.erase(id) != 0 && sessions_.empty())
            drained_.notify_all();
    }

    std::size_t active() const
    {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }

    std::vector<std::shared_ptr<session_base>> snapshot() const
    {
        std::lock_guard lock(mutex_);
        std::vector<std::shared_ptr<session_base>> out;
        out.reserve(sessions_.size());
        for (auto const& [id, weak] : sessions_)
            if (auto s = weak.lock())
                out.push_back(std::move(s));
        return out;
    }

    bool wait_for_no_sessions(std::chrono::milliseconds within)
    {
        std::unique_lock lock(mutex_);
        return drained_.wait_for(lock, within, [this] { return sessions_.empty(); });
    }

    // Posts `fn` unless the server has stopped: after stop() nothing may be queued
    // on the io_context, whose threads are gone.
    template <class Fn>
    bool post_if_running(const net::any_io_executor& ex, Fn&& fn)
    {
        std::lock_guard lock(gate_mutex_);
        if (!gate_open_)
            return false;
        net::post(ex, std::forward<Fn>(fn));
        return true;
    }

    void close_gate()
    {
        std::lock_guard lock(gate_mutex_);
        gate_open_ = false;
    }

    template <class... Args>
    void log_noexcept(fmt::format_string<Args...> f, Args&&... args) noexcept
    {
        try {
            log->error(f, std::forward<Args>(args)...);
        } catch (...) {
        }
    }

private:
    void on_accept(error_code ec, tcp::socket socket);
    void refuse(tcp::socket& socket);
    void shed_idle();

    mutable std::mutex mutex_;
    std::condition_variable drained_;
    std::unordered_map<std::uint64_t, std::weak_ptr<session_base>> sessions_;
    std::uint64_t next_id_ = 0;

    std::mutex gate_mutex_;
    bool gate_open_ = true;

    // On the acceptor's thread only.
    std::size_t next_context_ = 0;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    std::chrono::steady_clock::time_point last_shed_{};
    std::size_t refused_unlogged_ = 0;
};

// What a responder shares among its copies: the session to answer on, and whether
// an answer was given. The last copy to go answers 500 if nobody answered.
class reply_slot {
public:
    reply_slot(std::shared_ptr<session_base> s, std::shared_ptr<spdlog::logger> log)
        : session_(std::move(s))
        , log_(std::move(log))
    {
    }
    reply_slot(const reply_slot&) = delete;
    reply_slot& operator=(const reply_slot&) = delete;

    ~reply_slot()
    {
        if (answered_.load())
            return;
        try {
            log_->error("http: a handler dropped its responder without answering; answering 500");
            session_->deliver(internal_error());
        } catch (...) {
        }
    }

    void answer(response res)
    {
        if (answered_.exchange(true)) {
            log_->error("http: a responder was called more than once; the extra answer is ignored");
            return;
        }
        session_->deliver(std::move(res));
    }

    // The server's own answer (500 after a throw), unless the handler answered first.
    void answer_unless_answered(response res)
    {
        if (!answered_.exchange(true))
            session_->deliver(std::move(res));
    }

private:
    std::shared_ptr<session_base> session_;
    std::shared_ptr<spdlog::logger> log_;
    std::atomic<bool> answered_{false};
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    enum class phase { starting, handshaking, idle, reading, handling, writing, closing, closed };

public:
    session(std::shared_ptr<server_state> state, tcp::socket&& socket, const tcp::endpoint& remote)
        : state_(std::move(state))
        , executor_(socket.get_executor())
        , stream_(make_stream(std::move(socket), *state_))
        , info_{remote, is_tls}
        , remote_(describe(remote))
    {
    }

    ~session() override { state_->remove(id_); }

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // On the acceptor's thread, right after construction.
    void start()
    {
        id_ = state_->add(this->shared_from_this());
        net::dispatch(executor_, beast::bind_front_handler(&session::on_start, this->shared_from_this()));
    }

    void deliver(response res) override
    {
        auto self = this->shared_from_this();
        bool const posted = state_->post_if_running(
            executor_, [self, res = std::move(res)]() mutable { self->on_response(std::move(res)); });
        if (!posted)
            state_->log->debug("http: an answer came after stop() and is dropped: remote={}", remote_);
    }

    void stop_if_idle() override
    {
        net::post(executor_, beast::bind_front_handler(&session::on_stop_if_idle, this->shared_from_this()));
    }

    void shed_if_idle() override
    {
        net::post(executor_, beast::bind_front_handler(&session::on_shed_if_idle, this->shared_from_this()));
    }

    void force_close() override
    {
        net::post(executor_, beast::bind_front_handler(&session::close_now, this->shared_from_this()));
    }

private:
    static Stream make_stream(tcp::socket&& socket, server_state& state)
    {
        if constexpr (is_tls)
            return Stream(std::move(socket), *state.options.tls);
        else
            return Stream(std::move(socket));
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    const server_options& opts() const { return state_->options; }

    void on_start()
    {
        if (state_->stopping) {
            close_now();
            return;
        }
        if constexpr (is_tls) {
            phase_ = phase::handshaking;
            // The handshake gets read_timeout, like a request: a client that opens a
            // connection and says nothing must not hold it.
            lowest().expires_after(opts().read_timeout);
            stream_.async_handshake(ssl::stream_base::server,
                                    beast::bind_front_handler(&session::on_handshake, this->shared_from_this()));
        } else {
            do_read();
        }
    }

    void on_handshake(error_code ec)
    {
        if (ec)
            return end(ec, "tls handshake");
        do_read();
    }

    // Waits for the next request. The first request of a connection must arrive
    // whole within read_timeout of the connection (or of its TLS handshake); a later
    // one may follow up to idle_timeout of silence and then has read_timeout from
    // its first byte. Either way a slow client cannot hold a connection by
    // trickling bytes: the deadline covers the whole request, not each read.
    void do_read()
    {
        if (state_->stopping)  // between requests: nothing is in flight
            return close_now();

        parser_.emplace();
        // Larger bodies are refused (413) as soon as the header (or a chunk size) says so.
        parser_->body_limit(static_cast<std::uint64_t>(opts().body_limit));
        parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(opts().header_limit, std::numeric_limits<std::uint32_t>::max())));

        if (buffer_.size() > 0) {  // pipelined: the next request has already begun
            lowest().expires_after(opts().read_timeout);
            return read_request();
        }
        phase_ = phase::idle;
        lowest().expires_after(first_request_ ? opts().read_timeout : opts().idle_timeout);
        stream_.async_read_some(buffer_.prepare(first_read_size),
                                beast::bind_front_handler(&session::on_first_bytes, this->shared_from_this()));
    }

    void on_first_bytes(error_code ec, std::size_t n)
    {
        buffer_.commit(n);
        if (ec)
            return end(ec, "read");
        if (!first_request_)  // the idle wait is over: the request itself gets read_timeout
            lowest().expires_after(opts().read_timeout);
        read_request();
    }

    // The header first: a client that sent "Expect: 100-continue" waits for our go
    // before it sends the body (curl does, for larger bodies).
    void read_request()
    {
        phase_ = phase::reading;
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&session::on_header, this->shared_from_this()));
    }

    void on_header(error_code ec, std::size_t n)
    {
        if (ec || parser_->is_done())
            return on_read(ec, n);
        auto const& header = parser_->get();
        auto const expect = header.find(http::field::expect);
        if (expect != header.end() && header.version() >= 11 && beast::iequals(expect->value(), "100-continue")) {
            static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
            return net::async_write(stream_, net::buffer(go_on.data(), go_on.size()),
                                    beast::bind_front_handler(&session::on_continue_sent, this->shared_from_this()));
        }
        read_body();
    }

    void on_continue_sent(error_code ec, std::size_t)
    {
        if (ec)
            return end(ec, "write");
        read_body();
    }

    void read_body()
    {
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_read(error_code ec, std::size_t)
    {
        if (ec == http::error::body_limit)
            return reject(http::status::payload_too_large, "payload too large", ec);
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            return reject(http::status::request_header_fields_too_large, "request header fields too large", ec);
        if (ec && is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
            return reject(http::status::bad_request, "bad request", ec);
        if (ec)
            return end(ec, "read");
        // Beast reads a request whose Transfer-Encoding does not end in chunked as one
        // without a body, and would take that body for the next request (RFC 9112 §6.3
        // wants 400 and the connection closed); any other coding we cannot decode.
        auto const& header = parser_->get();
        if (auto const te = header.find(http::field::transfer_encoding); te != header.end()) {
            if (!parser_->chunked())
                return reject(http::status::bad_request, "bad request: Transfer-Encoding must end in chunked",
                              http::error::bad_transfer_encoding);
            if (!beast::iequals(te->value(), "chunked"))
                return reject(http::status::not_implemented, "Transfer-Encoding not supported: only chunked",
                              http::error::bad_transfer_encoding);
        }
        handle();
    }

    // Broken or oversized input: answer by ourselves and close, since what follows
    // on the connection cannot be trusted to start a new request.
    void reject(http::status status, std::string_view text, const error_code& why)
    {
        state_->log->warn("http: request rejected: status={} reason={} remote={}", static_cast<unsigned>(status),
                          why.message(), remote_);
        first_request_ = false;
        head_request_ = false;
        summary_ = "(rejected)";
        parser_.reset();
        send(plain_text(status, text), false);
    }

    void handle()
    {
        auto req = parser_->release();
        parser_.reset();
        first_request_ = false;
        req_keep_alive_ = req.keep_alive();
        head_request_ = req.method() == http::verb::head;
        // The path without its query, which may carry tokens: logs are read widely.
        auto const target = to_std(req.target());
        summary_ = fmt::format("{} {}", to_std(req.method_string()), target.substr(0, target.find('?')));
        phase_ = phase::handling;

        auto slot = std::make_shared<reply_slot>(this->shared_from_this(), state_->log);
        try {
            state_->handler(std::move(req), info_, [slot](response res) { slot->answer(std::move(res)); });
        } catch (const std::exception& e) {
            state_->log->error("http: the handler threw: what={} request={} remote={}", e.what(), summary_, remote_);
            slot->answer_unless_answered(internal_error());
        } catch (...) {
            state_->log->error("http: the handler threw a non-std exception: request={} remote={}", summary_,
                               remote_);
            slot->answer_unless_answered(internal_error());
        }
    }

    void on_response(response res)
    {
        if (phase_ != phase::handling) {
            state_->log->debug("http: an answer for a closed connection is dropped: request={} remote={}", summary_,
                               remote_);
            return;
        }
        bool const handler_closes = http::token_list{res[http::field::connection]}.exists("close");
        send(std::move(res), req_keep_alive_ && !handler_closes && !state_->stopping);
    }

    void send(response res, bool keep_alive)
    {
        res.keep_alive(keep_alive);
        if (res.find(http::field::server) == res.end())
            res.set(http::field::server, "casebot");
        res.prepare_payload();
        if (head_request_) {
            // HEAD: the headers GET would have had, Content-Length included, and no
            // body, or a keep-alive client would read the body as the next answer.
            res.body().clear();
        }
        res_.emplace(std::move(res));
        phase_ = phase::writing;
        lowest().expires_after(opts().write_timeout);
        http::async_write(stream_, *res_, beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(error_code ec, std::size_t)
    {
        if (ec)
            return end(ec, "write");
        state_->served.fetch_add(1, std::memory_order_relaxed);
        state_->log->debug("http: {} -> {} remote={}", summary_, res_->result_int(), remote_);
        bool const told_client = res_->need_eof();
        res_.reset();
        if (told_client)
            return close_gracefully();
        if (state_->stopping)
            return close_after_keep_alive();
        do_read();
    }

    // The answer said Connection: close. Wait for the client to close its side (it
    // has read the answer then), discarding what it still sends, up to the linger
    // bound; with TLS, exchange close_notify within the same bound.
    void close_gracefully()
    {
        phase_ = phase::closing;
        lowest().expires_after(std::min(opts().read_timeout, max_linger));
        if constexpr (is_tls) {
            stream_.async_shutdown(beast::bind_front_handler(&session::on_tls_shutdown, this->shared_from_this()));
        } else {
            error_code ec;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
            if (ec)
                return close_now();
            buffer_.clear();
            do_linger();
        }
    }

    // stop() came while a keep-alive answer was being written: the client expects
    // the connection to stay open and will not close it for us, so close now,
    // unless unread input (a pipelined request) would turn the close into a reset.
    void close_after_keep_alive()
    {
        error_code ec;
        if (!is_tls && lowest().socket().available(ec) > 0)
            return close_gracefully();
        close_now();
    }

    void on_tls_shutdown(error_code ec)
    {
        if (ec && phase_ != phase::closed)
            state_->log->debug("http: tls shutdown: {} remote={}", ec.message(), remote_);
        close_now();
    }

    void do_linger()
    {
        stream_.async_read_some(buffer_.prepare(first_read_size),
                                beast::bind_front_handler(&session::on_linger, this->shared_from_this()));
    }

    void on_linger(error_code ec, std::size_t n)
    {
        lingered_ += n;  // read into the buffer's spare room and never committed: discarded
        if (ec || lingered_ >= max_linger_bytes)
            return close_now();
        do_linger();
    }

    void on_stop_if_idle()
    {
        if (phase_ == phase::starting || phase_ == phase::handshaking || phase_ == phase::idle)
            close_now();
    }

    void on_shed_if_idle()
    {
        if (phase_ == phase::idle)
            close_now();
    }

    void end(const error_code& ec, std::string_view what)
    {
        if (phase_ == phase::closed)
            return;  // an operation cancelled by close_now()
        if (is_expected(ec))
            state_->log->debug("http: connection ended: {}: {} remote={}", what, ec.message(), remote_);
        else
            state_->log->warn("http: connection failed: {}: {} remote={}", what, ec.message(), remote_);
        close_now();
    }

    void close_now()
    {
        if (phase_ == phase::closed)
            return;
        phase_ = phase::closed;
        lowest().close();  // pending operations complete with operation_aborted
        state_->remove(id_);
    }

    const std::shared_ptr<server_state> state_;
    const net::any_io_executor executor_;  // the connection's io_context (one thread)
    Stream stream_;
    const connection_info info_;
    const std::string remote_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<response> res_;  // being written
    std::string summary_;          // "METHOD target" of the current request, for logs
    std::uint64_t id_ = 0;
    std::size_t lingered_ = 0;
    phase phase_ = phase::starting;
    bool first_request_ = true;
    bool req_keep_alive_ = false;
    bool head_request_ = false;  // the request being answered is a HEAD
};

void server_state::on_accept(error_code ec, tcp::socket socket)
{
    if (ec) {
        if (stopping || !acceptor.is_open())
            return;  // stop() closed the acceptor
        if (ec == net::error::connection_aborted) {  // the client gave up before we accepted
            do_accept();
            return;
        }
        // Out of descriptors or memory, usually: give open sessions a moment to close.
        log->warn("http: accept failed: {}", ec.message());
        accept_retry.expires_after(50ms);
        accept_retry.async_wait([self = shared_from_this()](error_code wait_ec) {
            if (!wait_ec && !self->stopping)
                self->do_accept();
        });
        return;
    }
    if (stopping) {
        error_code ignored;
        socket.close(ignored);
        return;
    }
    if (active() >= options.max_connections) {
        refuse(socket);
        shed_idle();
        do_accept();
        return;
    }
    error_code ep_ec;
    auto const remote = socket.remote_endpoint(ep_ec);
    if (!ep_ec) {  // otherwise the client is gone already
        if (options.tls)
            std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(shared_from_this(), std::move(socket),
                                                                            remote)
                ->start();
        else
            std::make_shared<session<beast::tcp_stream>>(shared_from_this(), std::move(socket), remote)->start();
    }
    do_accept();
}

// Full: connections that wait for a request (kept alive after one, or opened and
// silent) make room, at most once a refusal_log_interval, so that a crowd of idle
// connections cannot keep everyone else out. A client that sends again reconnects.
void server_state::shed_idle()
{
    auto const now = std::chrono::steady_clock::now();
    if (now - last_shed_ < refusal_log_interval)
        return;
    last_shed_ = now;
    for (auto const& s : snapshot())
        s->shed_if_idle();
}

void server_state::refuse(tcp::socket& socket)
{
    error_code ignored;
    socket.close(ignored);
    ++refused_unlogged_;
    auto const now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= refusal_log_interval) {
        log->warn("http: connection limit reached, connections refused: count={} max_connections={}",
                  refused_unlogged_, options.max_connections);
        refused_unlogged_ = 0;
        last_refusal_log_ = now;
    }
}

}  // namespace

struct http_server::impl {
    std::shared_ptr<server_state> state;
    std::vector<std::thread> threads;
    tcp::endpoint bound;
    std::mutex lifecycle;
    enum class stage { created, running, stopped } at = stage::created;

    bool on_own_thread() const
    {
        auto const me = std::this_thread::get_id();
        return std::any_of(threads.begin(), threads.end(), [me](const std::thread& t) { return t.get_id() == me; });
    }
};

http_server::http_server(server_options options, request_handler handler, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>())
{
    if (!handler)
        throw std::invalid_argument("http_server: the request handler is empty");
    impl_->state = std::make_shared<server_state>(std::move(options), std::move(handler), std::move(log));
}

http_server::~http_server()
{
    try {
        stop();
    } catch (const std::exception& e) {
        impl_->state->log_noexcept("http: stop() failed in the destructor: {}", e.what());
    } catch (...) {
        impl_->state->log_noexcept("http: stop() failed in the destructor: {}", "(not a std::exception)");
    }
}

void http_server::start()
{
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->at != impl::stage::created)
        throw std::logic_error("http_server::start: the server was started before");
    auto& st = *impl_->state;
    auto const& o = st.options;

    auto fail = [&](const error_code& ec, std::string_view what) {
        error_code ignored;
        st.acceptor.close(ignored);
        throw std::system_error(std::error_code(ec), fmt::format("http_server: {} {}:{}", what, o.host, o.port));
    };
    error_code ec;
    tcp::resolver resolver(*st.contexts.front());
    auto const found = resolver.resolve(o.host, std::to_string(o.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || found.empty())
        fail(ec ? ec : make_error_code(net::error::host_not_found), "cannot resolve");
    auto const where = found.begin()->endpoint();
    if (st.acceptor.open(where.protocol(), ec); ec)
        fail(ec, "cannot open a socket for");
    if (st.acceptor.set_option(net::socket_base::reuse_address(true), ec); ec)
        fail(ec, "cannot set SO_REUSEADDR for");
    if (st.acceptor.bind(where, ec); ec)
        fail(ec, "cannot bind");
    if (st.acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
        fail(ec, "cannot listen on");
    impl_->bound = st.acceptor.local_endpoint(ec);
    if (ec)
        fail(ec, "cannot read the bound address of");

    impl_->at = impl::stage::running;
    for (auto const& c : st.contexts)
        st.work.emplace_back(c->get_executor());
    net::post(st.acceptor.get_executor(), [s = impl_->state] { s->do_accept(); });
    for (std::size_t i = 0; i < st.contexts.size(); ++i)
        impl_->threads.emplace_back([s = impl_->state, i] { s->run(i); });
    st.log->info("http: listening: address={} tls={} threads={}", describe(impl_->bound), o.tls != nullptr,
                 impl_->threads.size());
}

tcp::endpoint http_server::local_endpoint() const
{
    return impl_->bound;
}

void http_server::stop()
{
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->at != impl::stage::running) {
        impl_->at = impl::stage::stopped;
        return;
    }
    impl_->at = impl::stage::stopped;
    auto const state = impl_->state;
    auto& st = *state;
    st.stopping = true;

    if (impl_->on_own_thread()) {
        // Called from a handler: we cannot wait for our own thread, nor join ourselves.
        st.log->error("http: stop() called on a server thread; stopping without waiting for requests");
        net::post(st.acceptor.get_executor(), [state] { state->close_acceptor(); });
        st.close_gate();
        st.work.clear();
        for (auto const& c : st.contexts)
            c->stop();
        for (auto& t : impl_->threads)
            t.detach();
        impl_->threads.clear();
        return;
    }

    st.log->info("http: stopping: open_connections={}", st.active());
    // Wait for the acceptor to close: once stop() returns, the port refuses connections.
    std::promise<void> closed;
    net::post(st.acceptor.get_executor(), [state, &closed] {
        state->close_acceptor();
        closed.set_value();
    });
    closed.get_future().wait();
    for (auto const& s : st.snapshot())
        s->stop_if_idle();
    if (!st.wait_for_no_sessions(st.options.shutdown_grace)) {
        st.log->warn("http: connections still busy after shutdown_grace are closed: count={}", st.active());
        for (auto const& s : st.snapshot())
            s->force_close();
        st.wait_for_no_sessions(force_close_wait);
    }
    st.close_gate();
    st.work.clear();
    for (auto const& c : st.contexts)
        c->stop();
    for (auto& t : impl_->threads)
        t.join();
    impl_->threads.clear();
    // Destroy the handlers still queued, and the sessions they hold, now rather than
    // with the io_contexts: a queued handler holds the state that holds them.
    for (auto const& c : st.contexts)
        c->shutdown();
    st.log->info("http: stopped: requests_served={}", st.served.load());
}

std::size_t http_server::requests_served() const noexcept
{
    return impl_->state->served.load();
}

std::size_t http_server::active_connections() const
{
    return impl_->state->active();
}

std::shared_ptr<ssl::context> make_tls_context(const std::string& certificate_file,
                                               const std::string& private_key_file)
{
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    error_code ec;
    // No SSLv2/v3, no TLS compression (CRIME); TLS 1.2 at least, below.
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_compression | ssl::context::single_dh_use,
                     ec);
    if (ec)
        throw std::runtime_error(fmt::format("TLS: cannot set the context options: {}", ec.message()));
    if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
        throw std::runtime_error("TLS: cannot require TLS 1.2 or later");
    ctx->use_certificate_chain_file(certificate_file, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("TLS: cannot use the certificate chain file '{}': {}", certificate_file, ec.message()));
    ctx->use_private_key_file(private_key_file, ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("TLS: cannot use the private key file '{}': {}", private_key_file, ec.message()));
    return ctx;
}

}  // namespace bot::webhooks

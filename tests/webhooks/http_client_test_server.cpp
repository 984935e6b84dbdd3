#include "http_client_test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

namespace bot::test {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
constexpr auto as_tuple_awaitable = net::as_tuple(net::use_awaitable);

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

struct test_server::impl {
    answer_fn answer;
    std::shared_ptr<ssl::context> tls;
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;

    mutable std::mutex mutex;
    std::vector<seen_request> seen;   // guarded by mutex
    std::size_t accepted = 0;         // guarded by mutex

    template <class Stream>
    net::awaitable<void> serve(Stream& stream, std::size_t connection, std::string server_name)
    {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [read_ec, read_n] = co_await http::async_read(stream, buffer, req, as_tuple_awaitable);
            if (read_ec)
                co_return;
            seen_request s;
            s.method = std::string(req.method_string());
            s.target = std::string(req.target());
            s.body = req.body();
            for (auto const& f : req)
                s.headers[lower(f.name_string())] = std::string(f.value());
            s.connection = connection;
            s.server_name = server_name;
            {
                std::lock_guard lock(mutex);
                seen.push_back(s);
            }
            auto const canned = answer(s);
            if (canned.drop)
                co_return;
            if (canned.hang) {
                net::steady_timer forever(co_await net::this_coro::executor, std::chrono::hours(1));
                co_await forever.async_wait(as_tuple_awaitable);
                co_return;
            }
            http::response<http::string_body> res{static_cast<http::status>(canned.status), req.version()};
            for (auto const& [name, value] : canned.headers)
                res.set(name, value);
            res.body() = canned.body;
            res.keep_alive(req.keep_alive() && res.keep_alive());
            res.prepare_payload();
            auto [write_ec, write_n] = co_await http::async_write(stream, res, as_tuple_awaitable);
            if (write_ec || canned.close_after || !res.keep_alive())
                co_return;
        }
    }

    net::awaitable<void> session(tcp::socket socket, std::size_t connection)
    {
        if (tls) {
            ssl::stream<tcp::socket> stream(std::move(socket), *tls);
            auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, as_tuple_awaitable);
            if (ec)
                co_return;
            char const* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
            co_await serve(stream, connection, sni != nullptr ? sni : "");
        } else {
            co_await serve(socket, connection, {});
        }
    }

    net::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
            if (ec)
                co_return;
            std::size_t n = 0;
            {
                std::lock_guard lock(mutex);
                n = ++accepted;
            }
            net::co_spawn(ioc, session(std::move(socket), n), net::detached);
        }
    }
};

test_server::test_server(answer_fn answer, std::shared_ptr<ssl::context> tls) : impl_(std::make_unique<impl>())
{
    impl_->answer = std::move(answer);
    impl_->tls = std::move(tls);
    tcp::endpoint const where(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(where.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(where);
    impl_->acceptor.listen();
    net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

test_server::~test_server()
{
    impl_->ioc.stop();
    impl_->thread.join();
}

unsigned short test_server::port() const
{
    return impl_->acceptor.local_endpoint().port();
}

std::string test_server::url(std::string_view path) const
{
    return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::size_t test_server::connections() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->accepted;
}

std::vector<seen_request> test_server::requests() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->seen;
}

namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_extension(X509* cert, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void write_pem(const std::filesystem::path& file, const std::function<int(std::FILE*)>& write)
{
    std::FILE* f = std::fopen(file.c_str(), "wb");
    check(f != nullptr, "fopen");
    int const ok = write(f);
    std::fclose(f);
    check(ok == 1, "PEM_write");
}

}  // namespace

test_certificate::test_certificate(const std::vector<std::string>& dns_names,
                                   const std::vector<std::string>& ip_addresses)
{
    std::random_device rd;
    std::uniform_int_distribution<unsigned long> dist;
    dir_ = std::filesystem::temp_directory_path() / ("casebot-tls-" + std::to_string(dist(rd)));
    std::filesystem::create_directories(dir_);

    // EC P-256: quick to generate, unlike RSA.
    pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    check(key != nullptr, "EVP_PKEY_Q_keygen");
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");   // v3
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(dist(rd) >> 2)) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    static constexpr unsigned char common_name[] = "casebot test";
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, common_name, -1, -1, 0) == 1, "subject");
    check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");

    std::string san;
    for (auto const& d : dns_names)
        san += (san.empty() ? "" : ",") + ("DNS:" + d);
    for (auto const& ip : ip_addresses)
        san += (san.empty() ? "" : ",") + ("IP:" + ip);
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    if (!san.empty())
        add_extension(cert.get(), NID_subject_alt_name, san);
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    write_pem(dir_ / "cert.pem", [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); });
    write_pem(dir_ / "key.pem", [&](std::FILE* f) {
        return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
}

test_certificate::~test_certificate()
{
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::shared_ptr<ssl::context> test_certificate::server_context() const
{
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->use_certificate_chain_file(certificate_file());
    ctx->use_private_key_file(key_file(), ssl::context::pem);
    return ctx;
}

unsigned short closed_port()
{
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

}  // namespace bot::test

// The HTTP server over TLS: a self-signed certificate made at test time (OpenSSL 3
// C API), a client that verifies it, and what happens to clients that get it wrong.
#include "webhooks/http_server.hpp"

#include "http_server_test_client.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/field.hpp>
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using bot::test::raw_client;
using bot::test::raw_request;
using bot::test::tls_client;
using bot::webhooks::connection_info;
using bot::webhooks::http_server;
using bot::webhooks::request;
using bot::webhooks::responder;
using bot::webhooks::response;
using bot::webhooks::server_options;

namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void bio_free(BIO* b)
{
    BIO_free(b);
}
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, bio_free>>;

void expect(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

// A temporary directory with a self-signed certificate for "localhost" and
// 127.0.0.1 (an EC P-256 key: quick to make), removed at the end.
struct test_certificate {
    fs::path dir;
    std::string cert_file;
    std::string key_file;

    test_certificate()
    {
        static std::atomic<int> counter{0};
        dir = fs::temp_directory_path() /
              ("casebot_http_server_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
        fs::create_directories(dir);
        cert_file = (dir / "cert.pem").string();
        key_file = (dir / "key.pem").string();

        pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        expect(key != nullptr, "EVP_PKEY_Q_keygen");

        x509_ptr cert(X509_new());
        expect(cert != nullptr, "X509_new");
        expect(X509_set_version(cert.get(), 2) == 1, "X509_set_version");  // v3
        expect(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "ASN1_INTEGER_set");
        expect(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr, "notBefore");
        expect(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600) != nullptr, "notAfter");
        expect(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
        X509_NAME* name = X509_get_subject_name(cert.get());
        expect(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                          reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0) == 1,
               "X509_NAME_add_entry_by_txt");
        expect(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");

        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
        for (auto const& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                         std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
            ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
            expect(ext != nullptr, "X509V3_EXT_conf_nid");
            expect(X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
        }
        expect(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

        bio_ptr cert_out(BIO_new_file(cert_file.c_str(), "w"));
        expect(cert_out != nullptr, "BIO_new_file (certificate)");
        expect(PEM_write_bio_X509(cert_out.get(), cert.get()) == 1, "PEM_write_bio_X509");
        bio_ptr key_out(BIO_new_file(key_file.c_str(), "w"));
        expect(key_out != nullptr, "BIO_new_file (key)");
        expect(PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
               "PEM_write_bio_PrivateKey");
    }

    ~test_certificate()
    {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
};

server_options tls_options(const test_certificate& cert)
{
    server_options o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.read_timeout = 500ms;
    o.idle_timeout = 1000ms;
    o.write_timeout = 1000ms;
    o.shutdown_grace = 1000ms;
    o.threads = 2;
    o.tls = bot::webhooks::make_tls_context(cert.cert_file, cert.key_file);
    return o;
}

struct tls_echo {
    std::atomic<int> calls{0};
    std::atomic<bool> saw_tls{false};

    bot::webhooks::request_handler handler()
    {
        return [this](request&& req, const connection_info& from, responder respond) {
            ++calls;
            saw_tls = from.tls;
            response res{http::status::ok, 11};
            res.body() = "secure " + std::string(req.target());
            respond(std::move(res));
        };
    }
};

bot::test::http_request get(const std::string& target)
{
    bot::test::http_request req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    return req;
}

}  // namespace

TEST_CASE("an HTTPS request is answered, and the client verifies the server's certificate")
{
    test_certificate cert;
    tls_echo e;
    http_server server(tls_options(cert), e.handler(), bot::test::test_logger());
    server.start();

    tls_client client(server.local_endpoint(), cert.cert_file, "localhost");
    auto const first = client.request(get("/one"));
    auto const second = client.request(get("/two"));  // keep-alive over TLS
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->body() == "secure /one");
    CHECK(second->body() == "secure /two");
    CHECK((*second)[http::field::server] == "casebot");
    CHECK(e.saw_tls);
    client.shutdown();

    server.stop();
    CHECK(server.requests_served() == 2);
}

TEST_CASE("a plain-HTTP request to the TLS port fails cleanly and the server keeps serving")
{
    test_certificate cert;
    tls_echo e;
    http_server server(tls_options(cert), e.handler(), bot::test::test_logger());
    server.start();

    raw_client plain(server.local_endpoint());
    plain.send(raw_request("GET", "/plain"));
    CHECK_FALSE(plain.read_response(2s));  // no HTTP answer comes back
    CHECK(plain.last_error() != boost::beast::error::timeout);  // the server closed, it did not hang
    CHECK(e.calls == 0);

    tls_client client(server.local_endpoint(), cert.cert_file, "localhost");
    auto const res = client.request(get("/after"));
    REQUIRE(res);
    CHECK(res->body() == "secure /after");
}

TEST_CASE("a client that does not trust the certificate cannot connect, and the server keeps serving")
{
    test_certificate cert;
    test_certificate other;
    tls_echo e;
    http_server server(tls_options(cert), e.handler(), bot::test::test_logger());
    server.start();

    CHECK_THROWS_AS(tls_client(server.local_endpoint(), other.cert_file, "localhost"), std::system_error);
    CHECK_THROWS_AS(tls_client(server.local_endpoint(), cert.cert_file, "example.com"), std::system_error);

    tls_client client(server.local_endpoint(), cert.cert_file, "localhost");
    CHECK(client.request(get("/ok")));
}

TEST_CASE("make_tls_context names the file it cannot use")
{
    test_certificate cert;
    auto const missing = (cert.dir / "missing.pem").string();

    SUBCASE("a missing certificate")
    {
        CHECK_THROWS_WITH_AS(bot::webhooks::make_tls_context(missing, cert.key_file),
                             doctest::Contains(missing.c_str()), std::runtime_error);
    }
    SUBCASE("a missing private key")
    {
        CHECK_THROWS_WITH_AS(bot::webhooks::make_tls_context(cert.cert_file, missing),
                             doctest::Contains(missing.c_str()), std::runtime_error);
    }
    SUBCASE("a key that does not belong to the certificate")
    {
        test_certificate other;
        CHECK_THROWS_WITH_AS(bot::webhooks::make_tls_context(cert.cert_file, other.key_file),
                             doctest::Contains(other.key_file.c_str()), std::runtime_error);
    }
    SUBCASE("good files make a context")
    {
        CHECK(bot::webhooks::make_tls_context(cert.cert_file, cert.key_file) != nullptr);
    }
}

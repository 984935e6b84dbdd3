#pragma once
// A blocking HTTP/1.1 client for calling chat APIs: HTTPS with certificate
// verification against the system store (and SNI), plain http:// for loopback
// tests, one kept-alive connection reused per scheme+host+port, and timeouts on
// connect and on the whole exchange. Thread-safe: a call takes an idle connection
// to its host from a small pool or, when all are busy, opens another; up to
// max_idle_per_host of them stay open for reuse afterwards.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bot::webhooks {

struct http_result {
    int status = 0;                            // 0: the request never got an HTTP answer
    std::string body;
    std::map<std::string, std::string> headers;   // names lower-cased; repeated fields joined with ", "
    std::string error;                         // transport error text when status == 0

    bool transport_failed() const noexcept { return status == 0; }
    // The header's value, or nullopt. The name is matched case-insensitively.
    std::optional<std::string> header(std::string_view lower_name) const;
    // Retry-After as delta-seconds (what Slack and the Bot Connector send); an HTTP
    // date, junk or no header at all is nullopt.
    std::optional<std::chrono::seconds> retry_after() const;
};

struct http_client_options {
    std::chrono::milliseconds connect_timeout{5'000};    // name resolution, TCP connect and TLS handshake
    std::chrono::milliseconds request_timeout{10'000};   // writing the request and reading the whole answer
    std::string user_agent = "casebot";
    std::string ca_file;                       // extra CA bundle (tests); empty: the system store only
    std::size_t max_idle_per_host = 4;         // kept-alive connections kept per scheme+host+port
    std::chrono::milliseconds idle_timeout{30'000};      // an idle kept-alive connection older than this is closed
    std::size_t max_response_body = 8 * 1024 * 1024;     // larger answers fail with a transport error
};

class http_client {
public:
    // Never throws: an unusable `ca_file` makes every https:// request fail with
    // a transport error naming it.
    explicit http_client(http_client_options options = {});
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // `url` is absolute: http://host:port/path?query or https://… . Extra headers as
    // name → value pairs (they replace the defaults of the same name). Never throws:
    // failures come back in http_result with status 0 and `error` naming the
    // scheme, host and port (never the path, query or header values). A kept-alive
    // connection that turns out to be closed before any byte of the answer arrived
    // is retried once on a fresh connection; nothing else is retried.
    // Thread-safe.
    http_result request(std::string_view method, std::string_view url, std::string_view content_type,
                        std::string_view body, const std::map<std::string, std::string>& headers = {});

    http_result post(std::string_view url, std::string_view content_type, std::string_view body,
                     const std::map<std::string, std::string>& headers = {})
    {
        return request("POST", url, content_type, body, headers);
    }

    http_result get(std::string_view url, const std::map<std::string, std::string>& headers = {})
    {
        return request("GET", url, {}, {}, headers);
    }

    // Connections opened so far (for tests and logs). Thread-safe.
    std::size_t connections_opened() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace bot::webhooks

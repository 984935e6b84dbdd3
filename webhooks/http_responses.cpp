#include "webhooks/http_responses.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <exception>

namespace bot::webhooks {
namespace http = boost::beast::http;

response text_response(http::status status, std::string body)
{
    response res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response json_response(http::status status, const boost::json::object& body)
{
    response res{status, 11};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response empty_response(http::status status)
{
    response res{status, 11};
    res.prepare_payload();
    return res;
}

response method_not_allowed(std::string_view allowed)
{
    auto res = text_response(http::status::method_not_allowed, "use " + std::string{allowed} + "\n");
    res.set(http::field::allow, allowed);
    return res;
}

response answer_or_500(const std::function<response()>& make)
{
    try {
        return make();
    } catch (const std::exception& e) {
        spdlog::error("webhooks: request failed: {}", e.what());
    } catch (...) {
        spdlog::error("webhooks: request failed with an unknown exception");
    }
    response res{http::status::internal_server_error, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "internal error\n";
    res.prepare_payload();
    return res;
}

}  // namespace bot::webhooks

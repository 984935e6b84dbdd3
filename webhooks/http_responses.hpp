#pragma once
// Small builders for the HTTP answers the webhook endpoints give.
#include "webhooks/http_server.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace bot::webhooks {

response text_response(boost::beast::http::status status, std::string body);
response json_response(boost::beast::http::status status, const boost::json::object& body);
response empty_response(boost::beast::http::status status);
response method_not_allowed(std::string_view allowed);

// make()'s answer; if it throws, 500 "internal error" (logged): a bug in one request's
// work must cost that request a 500, never the whole server.
response answer_or_500(const std::function<response()>& make);

}  // namespace bot::webhooks

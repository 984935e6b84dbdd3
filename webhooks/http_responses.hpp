#pragma once
// Small builders for the HTTP answers the webhook endpoints give.
#include "webhooks/http_server.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace bot::webhooks {

response text_response(boost::beast::http::status status, std::string body);
response json_response(boost::beast::http::status status, const boost::json::object& body);
response empty_response(boost::beast::http::status status);
response method_not_allowed(std::string_view allowed);

}  // namespace bot::webhooks

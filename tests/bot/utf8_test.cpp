#include "bot/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using bot::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed text of every length")
{
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("Invoices fail"));
    CHECK(valid_utf8("caf\xC3\xA9 cr\xC3\xA8me"));              // é è: two bytes
    CHECK(valid_utf8("\xE2\x82\xAC 5"));                        // €: three bytes
    CHECK(valid_utf8("\xF0\x9F\x8E\xAB ticket"));               // 🎫: four bytes
    CHECK(valid_utf8("\xED\x9F\xBF"));                          // U+D7FF, just below the surrogates
    CHECK(valid_utf8("\xEE\x80\x80"));                          // U+E000, just above them
    CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF, the last code point
    CHECK(valid_utf8(std::string("a\0b", 3)));                  // NUL is a character
}

TEST_CASE("valid_utf8 refuses what is not UTF-8")
{
    CHECK_FALSE(valid_utf8("caf\xE9"));                         // Latin-1 é
    CHECK_FALSE(valid_utf8("\x80"));                            // a continuation byte alone
    CHECK_FALSE(valid_utf8("\xC3"));                            // cut short at the end
    CHECK_FALSE(valid_utf8("\xE2\x82"));
    CHECK_FALSE(valid_utf8("\xE2\x82x"));                       // a non-continuation inside
    CHECK_FALSE(valid_utf8("\xC0\x80"));                        // overlong NUL
    CHECK_FALSE(valid_utf8("\xC1\xBF"));
    CHECK_FALSE(valid_utf8("\xE0\x9F\xBF"));                    // overlong three-byte form
    CHECK_FALSE(valid_utf8("\xF0\x8F\xBF\xBF"));                // overlong four-byte form
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));                    // U+D800, a surrogate
    CHECK_FALSE(valid_utf8("\xED\xBF\xBF"));                    // U+DFFF
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));                // U+110000
    CHECK_FALSE(valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xFF"));
}

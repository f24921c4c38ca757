#include "common/timestamp.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace stratus {
namespace {

// Reads exactly `width` digits at `pos`; advances pos.
bool digits(std::string_view s, size_t& pos, int width, int& out) {
  if (pos + static_cast<size_t>(width) > s.size()) return false;
  out = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += static_cast<size_t>(width);
  return true;
}

bool expect(std::string_view s, size_t& pos, char c, bool optional) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return optional;
}

}  // namespace

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_iso8601(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];  // room for any int fields, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string format_iso8601_seconds(int64_t unix_seconds) {
  std::string text = format_iso8601(unix_seconds);
  return text.erase(text.size() - 5, 4);  // ".000"
}

namespace {
constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string format_http_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kWeekdays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  // "Www, DD Mmm YYYY HH:MM:SS GMT", or with the zone as "+0000" (RFC 2822's form of UTC)
  bool gmt = s.size() == 29 && s.substr(25) == " GMT";
  bool utc_offset = s.size() == 31 && s.substr(25) == " +0000";
  if ((!gmt && !utc_offset) || s.substr(3, 2) != ", ") return std::nullopt;
  size_t pos = 5;
  int day, year, hour, minute, second;
  if (!digits(s, pos, 2, day) || !expect(s, pos, ' ', false)) return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(pos, 3) == kMonths[i]) month = i;
  }
  pos += 3;
  if (month < 0 || !expect(s, pos, ' ', false) || !digits(s, pos, 4, year) || !expect(s, pos, ' ', false) ||
      !digits(s, pos, 2, hour) || !expect(s, pos, ':', false) || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':', false) || !digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  bool compact = s.size() >= 9 && s[4] != '-';
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-', compact) || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-', compact) || !digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos == s.size()) {
    hour = minute = second = 0;
  } else {
    if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) ++pos; else return std::nullopt;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':', compact) || !digits(s, pos, 2, minute) ||
        !expect(s, pos, ':', compact) || !digits(s, pos, 2, second)) {
      return std::nullopt;
    }
  }
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':', true) || !digits(s, pos, 2, om)) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  }
  if (pos != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

}  // namespace stratus

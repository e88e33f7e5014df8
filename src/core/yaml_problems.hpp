// Problems found in a YAML file (catalogue, plan), collected with their positions so that one
// checkpoint reports them all in file order. Header-only: only the YAML adapters include it,
// and they link yaml-cpp themselves.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "harden_bisect/result.hpp"

namespace hb {

class YamlProblems {
 public:
  explicit YamlProblems(std::string origin) : origin_(std::move(origin)) {}

  // Records "ORIGIN:LINE:COLUMN: message" (no position when the mark has none).
  void add(const YAML::Mark& mark, const std::string& message) {
    std::string text = origin_;
    if (mark.line >= 0) {
      text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    text += ": " + message;
    // One line, and no control characters a hostile file could use to paint the terminal.
    for (auto& c : text) {
      if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
    }
    list_.push_back({mark.line, mark.column, std::move(text)});
  }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }

  // The first problem in file order and a count of the rest, as kBadInput; every problem, in
  // order, into `all` when given.
  Error error(std::vector<std::string>* all = nullptr) const {
    auto sorted = list_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (all) {
      all->clear();
      for (const auto& p : sorted) all->push_back(p.text);
    }
    std::string message = sorted.front().text;
    if (sorted.size() > 1) message += " (and " + std::to_string(sorted.size() - 1) + " more)";
    return Error{message, ErrorKind::kBadInput};
  }

 private:
  struct Problem {
    int line, column;
    std::string text;
  };
  std::string origin_;
  std::vector<Problem> list_;
};

// "a, b, c": the accepted names in an error message.
inline std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace hb

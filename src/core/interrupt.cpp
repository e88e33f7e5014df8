#include "harden_bisect/interrupt.hpp"

#include <signal.h>

namespace hb {
namespace {

// The token the handler trips; an atomic pointer so the handler never sees a torn value.
std::atomic<CancellationToken*> g_token{nullptr};

extern "C" void on_signal(int) {
  if (auto* token = g_token.load()) token->cancel();
}

}  // namespace

void cancel_on_signals(CancellationToken& token) {
  g_token.store(&token);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking waits return EINTR and re-check the token
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
}

}  // namespace hb

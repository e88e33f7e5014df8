#include "harden_bisect/probe_until_healthy.hpp"

namespace hb {
namespace {

bool asked(const std::function<bool()>& question) { return question && question(); }

}  // namespace

ProbeAttempts probe_until_healthy(ProbeRunner& runner, Clock& clock,
                                  const std::vector<ProbeSpec>& probes, const ProbeWindow& window,
                                  const ProbeHooks& hooks) {
  ProbeAttempts out;
  for (int attempt = 1;; ++attempt) {
    if (asked(hooks.cancelled)) {
      out.outcome = ProbeOutcome::kCancelled;
      return out;
    }
    out.rounds = attempt;
    const ProbeEnv extra = hooks.env ? hooks.env(attempt) : ProbeEnv{};
    bool all_passed = true;
    bool died_while_probing = false;
    for (auto spec : probes) {
      spec.timeout = window.probe_timeout;
      spec.env.insert(spec.env.end(), extra.begin(), extra.end());
      auto own_cancel = spec.cancel;
      spec.cancel = [&, own_cancel] {
        if (asked(own_cancel) || asked(hooks.cancelled)) return true;
        if (!hooks.target_died) return false;
        auto died = hooks.target_died();
        died_while_probing = died && *died;
        return died_while_probing;
      };
      out.last = runner.run(spec);
      if (out.last.status == ProbeStatus::kSpawnFailed) {
        out.outcome = ProbeOutcome::kSpawnFailed;
        return out;
      }
      if (!out.last.healthy()) {
        all_passed = false;
        break;
      }
      // A probe may pass against a half-dead service; the check after the round decides.
      if (died_while_probing) break;
    }
    if (asked(hooks.cancelled)) {
      out.outcome = ProbeOutcome::kCancelled;
      return out;
    }
    if (all_passed && !died_while_probing) {
      out.outcome = ProbeOutcome::kHealthy;
      return out;
    }
    if (hooks.target_died) {
      auto died = hooks.target_died();
      if (!died) {
        out.outcome = ProbeOutcome::kError;
        out.error = died.error();
        return out;
      }
      if (*died) {
        out.outcome = ProbeOutcome::kTargetDied;
        return out;
      }
    }
    if (clock.now() + window.retry_pause >= window.deadline) break;
    if (hooks.failure_certain && hooks.failure_certain(out.last)) {
      out.ended_early = true;
      break;
    }
    clock.sleep_for(window.retry_pause);
  }
  out.outcome = ProbeOutcome::kUnhealthy;
  return out;
}

}  // namespace hb

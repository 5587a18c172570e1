#pragma once

#include "squeezefs/fs/check/check_report.h"

namespace squeezefs::fs::check {

// Appends the problems of `found` to `report`, in order. Checks that repair in a transaction
// collect their findings in a report of their own, returned from the transaction body (which the
// store may run more than once), and append it once the transaction committed.
inline void append_problems(CheckReport& report, const CheckReport& found) {
  for (const auto& p : found.problems()) {
    if (p.expected) {
      report.add_expected(p.path, p.message);
    } else {
      report.add(p.path, p.message, p.repaired);
    }
  }
}

}  // namespace squeezefs::fs::check

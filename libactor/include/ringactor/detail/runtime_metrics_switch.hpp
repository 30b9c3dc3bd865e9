// ringactor: whether the runtime's hot-path metric updates are compiled in
// (the meson option runtime_metrics sets RINGACTOR_RUNTIME_METRICS=0 to
// leave them out; the default is 1). The library and every program using
// it see the same value (pkg-config carries it), since it changes the
// layout of mailbox elements and actors.
#pragma once

#ifndef RINGACTOR_RUNTIME_METRICS
#  define RINGACTOR_RUNTIME_METRICS 1
#endif

// ringactor supervision: supervisors and worker pools.
#pragma once

#include "ringactor/supervision/child_set.hpp"
#include "ringactor/supervision/child_spec.hpp"
#include "ringactor/supervision/dispatch.hpp"
#include "ringactor/supervision/errors.hpp"
#include "ringactor/supervision/pool.hpp"
#include "ringactor/supervision/pool_stats.hpp"
#include "ringactor/supervision/strategy.hpp"
#include "ringactor/supervision/supervisor.hpp"

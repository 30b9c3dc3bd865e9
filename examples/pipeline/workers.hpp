// How the pipeline's workers are made on each backend.
#pragma once

#include <memory>
#include <string>

#include <ringactor/all.hpp>

#include "pipeline.hpp"

namespace pipeline {

struct backend_choice {
  std::string name;        ///< host, cpu or cuda
  std::string description; ///< for the summary
  std::string device;
};

/// Resolves --backend (auto picks the best one available).
ringactor::expected<backend_choice> choose_backend(const std::string& requested);

/// Spawns one worker for `backend`.
scorer make_worker(ringactor::actor_system& sys, const backend_choice& backend,
                   std::shared_ptr<fault_plan> plan);

} // namespace pipeline

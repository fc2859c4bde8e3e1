"""The Faust side: the agent, the processor that folds `match-events` (its order of effects
is what makes a crash harmless), the tie table, fencing and the transport tweaks."""

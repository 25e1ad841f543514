"""Stage 5, knowledge: law and policy on cooperation, as sourced, reviewable files."""

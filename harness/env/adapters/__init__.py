"""Adapters from agent-RL frameworks' own interfaces to Gauntlet episodes (each imports its framework
only when used): ``openrlhf_agent`` (OpenRLHF ``--train.agent_func_path``), ``trl`` (TRL
GRPOTrainer ``environment_factory``), ``verl_tools`` (verl agent-loop ``BaseTool``), ``skyrl``
(SkyRL-Gym ``BaseTextEnv``)."""

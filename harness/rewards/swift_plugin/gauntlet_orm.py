"""ms-swift's ``--external_plugins`` file: registers Gauntlet's rewards as the ORM ``gauntlet``
(``--reward_funcs gauntlet``).  The scoring is ``harness.rewards.swift.score``."""

from swift.rewards import ORM, orms

from harness.rewards.swift import score


class GauntletORM(ORM):
    """Runs each completion against its ``gauntlet_task`` in Gauntlet's sandbox."""

    def __call__(self, completions, **kwargs):
        return score(completions, **kwargs)


orms["gauntlet"] = GauntletORM

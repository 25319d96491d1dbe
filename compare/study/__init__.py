"""The lesson study: the three practical tasks and the theory, measured on both implementations.

``run_study(StudyConfig.full(seed), out_dir, lang)`` writes ``report.md``,
``report.html``, ``results.json`` and ``figures/*.png``. One module per part:
``task1`` (the network), ``task2_init`` / ``task2_report`` (initialisations:
runs, then words), ``task3_training`` / ``task3_report`` (learning rates and
activations), ``theory`` and ``cost`` (theory made visible), ``statistics``
(intervals and tests, checked against scipy.stats), ``separation`` (the claim
logic: winner or tie), ``outcomes`` (what a run did), ``pairs`` (training both
sides, ``train_many``, parity by the trajectory verdict), ``plots`` /
``plots_stats``, ``report``, ``console``, ``blocks`` (number formats) and
``i18n`` (English and Russian, plurals).
"""

from compare.study.config import StudyConfig
from compare.study.console import summary_lines
from compare.study.pairs import train_many
from compare.study.runner import StudyOutput, run_study

__all__ = ["StudyConfig", "StudyOutput", "run_study", "summary_lines", "train_many"]

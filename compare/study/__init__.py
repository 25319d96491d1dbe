"""The lesson study: the three practical tasks and the theory, measured on both implementations.

``run_study(StudyConfig.full(seed), out_dir, lang)`` writes ``report.md``,
``report.html``, ``results.json`` and ``figures/*.png``. One module per part:
``task1`` (the network), ``task2_init`` (initialisations), ``task3_training``
(learning rates and activations), ``theory`` and ``cost`` (theory made
visible), ``pairs`` (training both sides, ``train_many``), ``plots``,
``report``, ``blocks`` and ``i18n`` (English and Russian).
"""

from compare.study.config import StudyConfig
from compare.study.pairs import train_many
from compare.study.runner import StudyOutput, run_study

__all__ = ["StudyConfig", "StudyOutput", "run_study", "train_many"]

"""Every sentence of the report in English and Russian (the lesson's language), and bilingual figure labels.

``t(key, lang, **values)`` fills a template with numbers the study computed;
the templates hold no numbers of their own except fixed facts of the lesson
(the claimed 4-6x, the 90% accuracy bar). ``bi(key)`` is "English / Русский"
for figure labels, so one PNG serves both reports.
"""

from __future__ import annotations

from handmade.errors import InvalidInput

LANGS = ("en", "ru")

TEXT: dict[str, dict[str, str]] = {
    # -- report frame -------------------------------------------------------------------------
    "title": {"en": "Fully connected networks: the lesson, measured",
              "ru": "Полносвязные нейронные сети: урок в измерениях"},
    "intro": {"en": ("Every number below was computed by this run (`{command}`), by two implementations started "
                     "from the same initial weights: the hand-written NumPy network (`handmade`) and the torch.nn "
                     "reference (`torch`). All numbers are in `results.json`."),
              "ru": ("Все числа ниже посчитаны этим запуском (`{command}`) двумя реализациями, стартующими с одних "
                     "и тех же начальных весов: написанной вручную на NumPy сетью (`handmade`) и эталоном на "
                     "torch.nn (`torch`). Все числа есть в `results.json`.")},
    "parity.title": {"en": "Parity summary", "ru": "Сводка сравнения с torch"},
    "parity.ok": {"en": ("**All {checks} comparisons passed** ({torch} handmade against torch, {batched} batched "
                         "training against separate runs); worst relative difference {worst} (in: {where}). "
                         "Tolerances (float64): one step {step}, whole loss curves {trajectory}."),
                  "ru": ("**Все {checks} сравнений пройдены** ({torch} handmade с torch, {batched} пакетного "
                         "обучения с отдельными запусками); наибольшее относительное расхождение {worst} (где: "
                         "{where}). Допуски (float64): один шаг {step}, кривые потерь целиком {trajectory}.")},
    "parity.fail": {"en": ("**{failed} of {checks} comparisons FAILED** ({torch} handmade against torch, {batched} "
                           "batched training against separate runs); worst relative difference {worst} (in: "
                           "{where}). Tolerances (float64): one step {step}, whole loss curves {trajectory}."),
                    "ru": ("**{failed} из {checks} сравнений НЕ пройдены** ({torch} handmade с torch, {batched} "
                           "пакетного обучения с отдельными запусками); наибольшее относительное расхождение "
                           "{worst} (где: {where}). Допуски (float64): один шаг {step}, кривые потерь целиком "
                           "{trajectory}.")},
    "parity.explain": {"en": ("A comparison is one tensor, one whole loss curve, or (batched vs alone) one "
                              "network's final parameters: rel = max|a - b| / max(max|a|, max|b|)."),
                       "ru": ("Одно сравнение - это один тензор, одна кривая потерь целиком или (пакетно vs "
                              "по одной) итоговые параметры одной сети: rel = max|a - b| / max(max|a|, max|b|).")},
    "parity.batched": {"en": ("Task 2 trains its {members} handmade networks in one batched call "
                              "(`handmade.batched`: weights stacked as (K, out, in), one batched matmul per layer) "
                              "and its {torch_members} torch networks likewise (`torch_ref.batched`). To prove that "
                              "path, {checked} of them were trained again alone with `handmade.train`: loss curves "
                              "differ by at most {loss_diff} (relative {loss_rel}), final parameters by at most "
                              "{params_diff} (relative {params_rel}); {identical} of {checked} end with "
                              "bit-identical parameters."),
                       "ru": ("Задача 2 обучает свои {members} сетей handmade одним пакетным вызовом "
                              "(`handmade.batched`: веса сложены в (K, out, in), одно пакетное умножение матриц на "
                              "слой), а {torch_members} сетей torch - так же (`torch_ref.batched`). Чтобы проверить "
                              "этот путь, {checked} из них обучены ещё раз по отдельности через `handmade.train`: "
                              "кривые потерь расходятся не более чем на {loss_diff} (относительно {loss_rel}), "
                              "итоговые параметры - не более чем на {params_diff} (относительно {params_rel}); "
                              "у {identical} из {checked} итоговые "
                              "параметры совпадают побитово.")},
    "col.section": {"en": "section", "ru": "раздел"},
    "col.checks": {"en": "comparisons", "ru": "сравнений"},
    "col.failed": {"en": "failed", "ru": "не пройдено"},
    "col.worst_rel": {"en": "worst rel diff", "ru": "макс. отн. расхождение"},
    "section.task1": {"en": "task 1", "ru": "задача 1"},
    "section.task2": {"en": "task 2", "ru": "задача 2"},
    "section.task3": {"en": "task 3", "ru": "задача 3"},
    "section.theory": {"en": "theory", "ru": "теория"},
    "section.batched": {"en": "batched vs alone", "ru": "пакетно vs по одной"},
    "conclusion": {"en": "Conclusion (computed from this run)", "ru": "Вывод (посчитан по этому запуску)"},
    "repro.title": {"en": "Reproduce", "ru": "Как воспроизвести"},
    "repro.text": {"en": ("Same seed, same `results.json` (apart from the `timings` object): `{command}`. "
                          "Versions: {versions}."),
                   "ru": ("Тот же seed - тот же `results.json` (кроме объекта `timings`): `{command}`. "
                          "Версии: {versions}.")},
    "side.handmade": {"en": "handmade NumPy", "ru": "handmade (NumPy)"},
    "side.torch": {"en": "torch", "ru": "torch"},
    # -- task 1 -------------------------------------------------------------------------------
    "t1.title": {"en": "Task 1. The network: 30-16-3, ReLU, MSE, on the three letters",
                 "ru": "Задача 1. Сеть 30-16-3, ReLU, MSE на трёх буквах"},
    "t1.setup": {"en": ("Input 30 pixels (5x6, row by row), hidden layer 16 ReLU units, output 3 (identity), "
                        "mean squared error against one-hot targets. Full-batch gradient descent (SGD) with "
                        "learning rate {lr} for {epochs} epochs, `torch_default` initial weights, seed {seed}, "
                        "float64. Outputs s1, s2, s3 of the trained network (h = handmade, t = torch):"),
                 "ru": ("Вход 30 пикселей (5x6 построчно), скрытый слой 16 нейронов ReLU, выход 3 (тождественная "
                        "активация), среднеквадратичная ошибка относительно one-hot целей. Полный градиентный "
                        "спуск (SGD) со скоростью обучения {lr}, {epochs} эпох, начальные веса `torch_default`, "
                        "seed {seed}, float64. Выходы s1, s2, s3 обученной сети (h = handmade, t = torch):")},
    "t1.correct_both": {"en": "Both implementations predict a, b and c correctly.",
                        "ru": "Обе реализации верно распознают a, b и c."},
    "t1.wrong": {"en": "Misclassified letters on: {sides}.", "ru": "Есть ошибки распознавания: {sides}."},
    "t1.loss_fell": {"en": "The loss fell from {l0} to {l1} in {epochs} epochs;",
                     "ru": "Потери упали с {l0} до {l1} за {epochs} эпох;"},
    "t1.reached": {"en": "the threshold {threshold} was reached at epoch {epoch}.",
                   "ru": "порог {threshold} достигнут на эпохе {epoch}."},
    "t1.not_reached": {"en": "the threshold was not reached.", "ru": "порог не достигнут."},
    "t1.same_curve": {"en": ("The two loss curves differ by at most {diff} per epoch; {equal} of {epochs} "
                             "epochs are bit-identical."),
                      "ru": ("Кривые потерь двух реализаций расходятся не более чем на {diff} за эпоху; "
                             "{equal} из {epochs} эпох совпадают до бита.")},
    "t1.robust_all": {"en": ("On noisy letters the accuracy stays at or above 90% for every tested number of "
                             "flipped pixels (up to {last}: {acc})."),
                      "ru": ("На зашумлённых буквах точность не опускается ниже 90% ни при каком проверенном "
                             "числе инвертированных пикселей (до {last}: {acc}).")},
    "t1.robust_until": {"en": ("On noisy letters the accuracy stays at or above 90% up to {ok} flipped pixels; "
                               "with {first} it is {acc}."),
                        "ru": ("На зашумлённых буквах точность держится на уровне 90% и выше до {ok} "
                               "инвертированных пикселей; при {first} она {acc}.")},
    "t1.robust_last": {"en": "With {last} flipped pixels: {acc_last}.",
                       "ru": "При {last} инвертированных пикселях: {acc_last}."},
    "t1.agreement": {"en": "The two implementations predict the same letter for at least {agree} of the noisy samples.",
                     "ru": "Обе реализации выдают одну и ту же букву как минимум на {agree} зашумлённых примеров."},
    "col.letter": {"en": "letter", "ru": "буква"},
    "col.pred_h": {"en": "predicted (h)", "ru": "ответ (h)"},
    "col.pred_t": {"en": "predicted (t)", "ru": "ответ (t)"},
    "col.flips": {"en": "flipped pixels", "ru": "инвертировано пикселей"},
    "col.samples": {"en": "samples", "ru": "примеров"},
    "col.acc_h": {"en": "accuracy (h)", "ru": "точность (h)"},
    "col.acc_t": {"en": "accuracy (t)", "ru": "точность (t)"},
    "col.agree": {"en": "same answer", "ru": "ответы совпали"},
    "fig.task1_letters": {"en": ("The three letters as 5x6 images (top) and noisy copies (bottom), with both "
                                 "predictions."),
                          "ru": ("Три буквы как изображения 5x6 (сверху) и их зашумлённые копии (снизу) с ответами "
                                 "обеих реализаций.")},
    "fig.task1_loss": {"en": "Loss per epoch, handmade and torch (top); their absolute difference (bottom, log scale).",
                       "ru": ("Потери по эпохам, handmade и torch (сверху); их абсолютная разность (снизу, лог. "
                              "шкала).")},
    "fig.task1_robustness": {"en": "Accuracy on noisy letters against the number of flipped pixels.",
                             "ru": "Точность на зашумлённых буквах в зависимости от числа инвертированных пикселей."},
    # -- task 2 -------------------------------------------------------------------------------
    "t2.title": {"en": "Task 2. Which initialisation is best?", "ru": "Задача 2. Какая инициализация лучше?"},
    "t2.setup": {"en": ("{n} schemes x {seeds} seeds, the task-1 network, SGD lr {lr}, {epochs} epochs, threshold "
                        "{threshold}. The first {torch_seeds} seeds of every scheme also ran on the torch side and "
                        "their loss curves were compared epoch by epoch. Sorted best first:"),
                 "ru": ("{n} схем x {seeds} seed, сеть из задачи 1, SGD со скоростью {lr}, {epochs} эпох, порог "
                        "{threshold}. Первые {torch_seeds} seed каждой схемы запущены и на torch, их кривые потерь "
                        "сравнены по эпохам. Сначала лучшие:")},
    "t2.columns": {"en": ("*reached*: share of runs whose loss got to the threshold; *epochs*: median epoch of "
                          "reaching it (over those runs); *dead*: share of hidden ReLU units whose input is <= 0 "
                          "for all three letters (output 0 and gradient 0); *distinct*: hidden units that differ "
                          "at the end; *grad W0*: ||dL/dW0, dL/db0|| at the start."),
                   "ru": ("*достигли*: доля запусков, чьи потери дошли до порога; *эпох*: медиана эпохи, на которой "
                          "это случилось; *мёртвые*: доля скрытых нейронов ReLU, у которых вход <= 0 на всех трёх "
                          "буквах (выход 0 и градиент 0); *различных*: сколько скрытых нейронов различны в конце; "
                          "*grad W0*: ||dL/dW0, dL/db0|| в начале.")},
    "t2.criterion": {"en": ("Criterion: the most runs reaching loss {threshold} within {epochs} epochs, then the "
                            "fewest median epochs to reach it, then the lowest median final loss."),
                     "ru": ("Критерий: больше всего запусков, достигших потерь {threshold} за {epochs} эпох, затем "
                            "меньше медиана эпох до порога, затем ниже медиана итоговых потерь.")},
    "t2.best": {"en": ("Best: **{name}** - {share} of {seeds} runs reached the threshold, in a median of {epochs} "
                       "epochs; median final loss {loss}."),
                "ru": ("Лучшая: **{name}** - порог достигнут в {share} из {seeds} запусков, медиана {epochs} "
                       "эпох; медиана итоговых потерь {loss}.")},
    "t2.runner_up": {"en": "Runner-up: {name} ({share}, median {epochs} epochs).",
                     "ru": "Второе место: {name} ({share}, медиана {epochs} эпох)."},
    "t2.loser": {"en": "**{name}** (reached: {share}, median final loss {loss}): {why}.",
                 "ru": "**{name}** (достигли порога: {share}, медиана итоговых потерь {loss}): {why}."},
    "t2.why_dead_start": {"en": ("{dead} of the hidden units are dead from the start: each gets z <= 0 on every "
                                 "letter, where ReLU' = 0 (torch's ReLU'(0) = 0 too), so no gradient reaches the "
                                 "first layer"),
                          "ru": ("{dead} скрытых нейронов мертвы с самого начала: у каждого z <= 0 на всех буквах, "
                                 "где ReLU' = 0 (в torch и ReLU'(0) = 0), поэтому градиент до первого слоя не "
                                 "доходит")},
    "t2.why_symmetry": {"en": ("symmetry is never broken: the hidden units start identical (distinct: {start}) and "
                               "end identical (distinct: {distinct}), since identical units get identical gradients - "
                               "16 units act as one"),
                        "ru": ("симметрия не нарушается: скрытые нейроны одинаковы в начале (различных: {start}) и в "
                               "конце (различных: {distinct}), ведь одинаковые нейроны получают одинаковые градиенты - "
                               "16 нейронов работают как один")},
    "t2.why_died": {"en": ("the units die during training: {dead0} dead at the start, {dead1} at the end; huge "
                           "weights give a huge first loss ({loss0}) and gradient (||grad W0|| = {grad} vs {grad_best} "
                           "for the best), the first steps push the units negative on every letter and the net is "
                           "left close to outputting the mean (median final loss {loss})"),
                    "ru": ("нейроны умирают во время обучения: в начале мёртвых {dead0}, в конце - {dead1}; огромные "
                           "веса дают огромные начальные потери ({loss0}) и градиент (||grad W0|| = {grad} против "
                           "{grad_best} у лучшей), первые шаги уводят нейроны в отрицательную область на всех "
                           "буквах, и сеть почти только выдаёт среднее (медиана итоговых потерь {loss})")},
    "t2.why_small": {"en": ("tiny weights mean tiny signals and tiny gradients at the start (||grad W0|| = {grad} vs "
                            "{grad_best} for the best), so learning starts slowly"),
                     "ru": ("крошечные веса - крошечные сигналы и градиенты в начале (||grad W0|| = {grad} против "
                            "{grad_best} у лучшей), поэтому обучение стартует медленно")},
    "t2.why_some_fail": {"en": ("only {share} of runs reached the threshold; on average {dead_end} of the hidden "
                                "units were dead at the end"),
                         "ru": ("порог достигнут лишь в {share} запусков; в среднем {dead_end} скрытых нейронов в "
                                "конце мертвы")},
    "t2.why_slow": {"en": "slow: median {epochs} epochs against {best} for the best ({ratio}x)",
                    "ru": "медленно: медиана {epochs} эпох против {best} у лучшей ({ratio}x)"},
    "t2.why_none": {"en": "no single measured cause stands out", "ru": "явной измеренной причины нет"},
    "col.scheme": {"en": "scheme", "ru": "схема"},
    "col.init": {"en": "initialiser", "ru": "инициализатор"},
    "col.loss_median": {"en": "final loss (median)", "ru": "итог. потери (медиана)"},
    "col.loss_worst": {"en": "final loss (worst)", "ru": "итог. потери (худшие)"},
    "col.reached": {"en": "reached", "ru": "достигли"},
    "col.epochs_median": {"en": "epochs (median)", "ru": "эпох (медиана)"},
    "col.dead_start": {"en": "dead at start", "ru": "мёртвые в начале"},
    "col.dead_end": {"en": "dead at end", "ru": "мёртвые в конце"},
    "col.distinct": {"en": "distinct units", "ru": "различных нейронов"},
    "col.grad0": {"en": "grad W0 at start", "ru": "grad W0 в начале"},
    "col.torch_runs": {"en": "torch runs", "ru": "запусков torch"},
    "fig.task2_curves": {"en": "Loss curves per scheme: median over seeds (line) and 10%-90% band; dotted: threshold.",
                         "ru": "Кривые потерь по схемам: медиана по seed (линия) и полоса 10%-90%; пунктир - порог."},
    "fig.task2_epochs": {"en": ("Left: epoch at which each run reached loss {threshold} (dots; bar = median; "
                                "red x = runs that never did). Middle: share of runs that reached it. Right: share of "
                                "dead hidden units at the start and at the end."),
                         "ru": ("Слева: эпоха, на которой каждый запуск достиг потерь {threshold} (точки; черта - "
                                "медиана; красный x - запуски, не достигшие порога). В центре: доля достигших. "
                                "Справа: доля мёртвых скрытых нейронов в начале и в конце.")},
    # -- task 3 -------------------------------------------------------------------------------
    "t3.title": {"en": "Task 3. Training analysis", "ru": "Задача 3. Анализ обучения"},
    "t3.setup": {"en": ("The task-1 network, `torch_default` weights, seed {seed}, full-batch SGD, {epochs} epochs; "
                        "the activation runs use learning rate {lr}. Each figure overlays handmade (solid) and torch "
                        "(dashed) and shows their absolute difference below."),
                 "ru": ("Сеть из задачи 1, веса `torch_default`, seed {seed}, полный SGD, {epochs} эпох; запуски с "
                        "разными активациями - со скоростью {lr}. На каждом графике наложены handmade (сплошная) и "
                        "torch (пунктир), ниже - их абсолютная разность.")},
    "t3.lr_title": {"en": "Learning rates", "ru": "Скорости обучения"},
    "t3.act_title": {"en": "Activation functions", "ru": "Функции активации"},
    "t3.lr_best": {"en": "The fastest learning rate here is {lr}: loss {threshold} at epoch {epochs}.",
                   "ru": "Быстрее всех здесь скорость {lr}: потери {threshold} на эпохе {epochs}."},
    "t3.lr_too_small": {"en": ("Too small: lr {lrs} did not reach the threshold in {epochs} epochs (final losses "
                               "{losses}) - each step is too short."),
                        "ru": ("Слишком мало: при скорости {lrs} порог за {epochs} эпох не достигнут (итоговые "
                               "потери {losses}) - каждый шаг слишком короткий.")},
    "t3.lr_too_large": {"en": ("Too large: lr {lrs} overshoots - the run diverged or got stuck (final losses "
                               "{losses})."),
                        "ru": ("Слишком велико: при скорости {lrs} шаг перелетает минимум - обучение разошлось или "
                               "застряло (итоговые потери {losses}).")},
    "t3.lr_others": {"en": "Epochs to the threshold for the other rates (lr: epochs): {pairs}.",
                     "ru": "Эпох до порога для остальных скоростей (скорость: эпохи): {pairs}."},
    "t3.act_order": {"en": "Epochs to the threshold, fastest first: {order}.",
                     "ru": "Эпох до порога, от самой быстрой: {order}."},
    "t3.act_never": {"en": "Not reached in {epochs} epochs: {acts} (final losses {losses}).",
                     "ru": "Не достигли порога за {epochs} эпох: {acts} (итоговые потери {losses})."},
    "t3.sigmoid_vs_relu": {"en": "Sigmoid needed {ratio}x as many epochs as ReLU.",
                           "ru": "Сигмоиде понадобилось в {ratio} раза больше эпох, чем ReLU."},
    "t3.sigmoid_vs_relu_loss": {"en": "After {epochs} epochs sigmoid's loss is {s} against ReLU's {r}.",
                                "ru": "После {epochs} эпох потери сигмоиды {s} против {r} у ReLU."},
    "t3.parity": {"en": ("In all {n} runs the handmade and torch curves coincide: the largest per-epoch difference "
                         "is {diff} ({name}); {failed} runs outside the tolerance."),
                  "ru": ("Во всех {n} запусках кривые handmade и torch совпадают: наибольшая разность за эпоху "
                         "{diff} ({name}); вне допуска запусков: {failed}.")},
    "col.lr": {"en": "learning rate", "ru": "скорость обучения"},
    "col.activation": {"en": "activation", "ru": "активация"},
    "col.final_h": {"en": "final loss (h)", "ru": "итог. потери (h)"},
    "col.final_t": {"en": "final loss (t)", "ru": "итог. потери (t)"},
    "col.epochs_thr": {"en": "epochs to threshold", "ru": "эпох до порога"},
    "col.diverged": {"en": "diverged at", "ru": "разошлось на"},
    "col.max_abs_diff": {"en": "max abs diff", "ru": "макс. абс. разность"},
    "col.equal_epochs": {"en": "bit-equal epochs", "ru": "эпох совпало до бита"},
    "fig.task3_lr": {"en": "Loss per epoch for several learning rates; below, |handmade - torch| (log scale).",
                     "ru": "Потери по эпохам при разных скоростях обучения; ниже |handmade - torch| (лог. шкала)."},
    "fig.task3_activations": {"en": "Loss per epoch for several activations; below, |handmade - torch| (log scale).",
                              "ru": "Потери по эпохам для разных активаций; ниже |handmade - torch| (лог. шкала)."},
    # -- theory -------------------------------------------------------------------------------
    "th.title": {"en": "Theory made visible", "ru": "Теория наглядно"},
    "th.gallery_title": {"en": "Activations and their derivatives", "ru": "Функции активации и их производные"},
    "th.df_max": {"en": ("Sigmoid's derivative never exceeds {s} (tanh's: {th}); at z = -4 they are {s4} and {th4}: "
                         "the tails pass almost no gradient."),
                  "ru": ("Производная сигмоиды не больше {s} (у tanh - {th}); при z = -4 она {s4} и {th4}: на "
                         "хвостах градиент почти не проходит.")},
    "th.relu_kink": {"en": ("ReLU'(0) = {r0} in the handmade code and {r0t} in torch autograd; leaky ReLU keeps a "
                            "slope of {l4} for negative inputs, so its gradient is never exactly zero."),
                     "ru": ("ReLU'(0) = {r0} в handmade и {r0t} в autograd torch; leaky ReLU сохраняет наклон {l4} "
                            "для отрицательных входов, поэтому её градиент никогда не равен нулю.")},
    "th.gallery_parity": {"en": "All {n} activations and derivatives agree with torch autograd; worst relative "
                                "difference {diff} ({name}).",
                          "ru": "Все {n} активаций и производных совпадают с autograd torch; наибольшее "
                                "относительное расхождение {diff} ({name})."},
    "th.vanish_title": {"en": "Vanishing gradients", "ru": "Затухание градиентов"},
    "th.vanish_setup": {"en": ("A deep net {sizes}, `{init}` weights, one forward/backward on the letters; "
                               "gradient norm ||dL/dW_l, dL/db_l|| per layer, median over {seeds} seeds:"),
                        "ru": ("Глубокая сеть {sizes}, веса `{init}`, один прямой и обратный проход на буквах; "
                               "норма градиента ||dL/dW_l, dL/db_l|| по слоям, медиана по {seeds} seed:")},
    "th.vanish_ratio": {"en": "{name}: first-layer gradient / last-layer gradient = {ratio}.",
                        "ru": "{name}: градиент первого слоя / градиент последнего = {ratio}."},
    "th.vanish_worst": {"en": ("The gradient vanishes most with {worst}: its first layers get {factor}x less of it, "
                               "relative to the last layer, than with {best} - the chain rule multiplies one f' <= "
                               "0.25 per sigmoid layer."),
                        "ru": ("Сильнее всего градиент затухает у {worst}: первые слои получают его в {factor} раз "
                               "меньше (относительно последнего слоя), чем у {best} - цепное правило умножает на "
                               "f' <= 0.25 на каждом слое сигмоиды.")},
    "th.collapse_title": {"en": "Without activations, depth collapses", "ru": "Без активаций глубина схлопывается"},
    "th.collapse_setup": {"en": ("A {sizes} net with identity activations trained for {epochs} epochs (final loss "
                                 "{loss}); then W = W2 W1 W0 and b = W2 (W1 b0 + b1) + b2."),
                          "ru": ("Сеть {sizes} с тождественными активациями обучена {epochs} эпох (итоговые потери "
                                 "{loss}); затем W = W2 W1 W0 и b = W2 (W1 b0 + b1) + b2.")},
    "th.collapse": {"en": ("On {samples} inputs the three-layer net and the single {shape} linear layer (rank {rank}) "
                           "differ by at most {diff} (relative {rel})."),
                    "ru": ("На {samples} входах трёхслойная сеть и один линейный слой {shape} (ранг {rank}) "
                           "расходятся не более чем на {diff} (относительно {rel}).")},
    "th.collapse_yes": {"en": "That is rounding error: the deep linear net *is* one linear layer.",
                        "ru": "Это ошибка округления: глубокая линейная сеть *и есть* один линейный слой."},
    "th.collapse_no": {"en": "That is more than rounding: check the collapse formula.",
                       "ru": "Это больше ошибки округления: проверьте формулу схлопывания."},
    "col.df0_h": {"en": "f'(0) handmade", "ru": "f'(0) handmade"},
    "col.df0_t": {"en": "f'(0) torch", "ru": "f'(0) torch"},
    "col.df_max": {"en": "max f'", "ru": "макс. f'"},
    "col.df_m4": {"en": "f'(-4)", "ru": "f'(-4)"},
    "col.rel_f": {"en": "rel diff f", "ru": "отн. расхождение f"},
    "col.rel_df": {"en": "rel diff f'", "ru": "отн. расхождение f'"},
    "col.first_last": {"en": "first / last", "ru": "первый / последний"},
    "fig.theory_activations": {"en": ("Each activation f and its derivative f': handmade (lines) vs torch autograd "
                                      "(markers)."),
                               "ru": ("Каждая активация f и её производная f': handmade (линии) и autograd torch "
                                      "(маркеры).")},
    "fig.theory_vanishing": {"en": "Gradient norm per layer at the start of training (log scale).",
                             "ru": "Норма градиента по слоям в начале обучения (лог. шкала)."},
    "fig.theory_collapse": {"en": "Outputs of the identity-activation net against its single collapsed linear layer.",
                            "ru": "Выходы сети с тождественными активациями против её схлопнутого линейного слоя."},
    # -- cost ---------------------------------------------------------------------------------
    "cost.title": {"en": "Is ReLU 4-6x cheaper than sigmoid?", "ru": "Правда ли ReLU в 4-6 раз дешевле сигмоиды?"},
    "cost.setup": {"en": ("Time of f(z) plus f'(z) on {n} float64 numbers, median of {repeats} repeats (wall clock "
                          "on this machine; in `results.json` under `timings`):"),
                   "ru": ("Время f(z) плюс f'(z) на {n} числах float64, медиана {repeats} повторов (реальное время "
                          "на этой машине; в `results.json` в разделе `timings`):")},
    "cost.ratio": {"en": "Measured with {side}: sigmoid costs {ratio}x ReLU.",
                   "ru": "Измерено ({side}): сигмоида стоит {ratio}x от ReLU."},
    "cost.within": {"en": "That is within the lesson's 4-6x.", "ru": "Это в пределах 4-6x из урока."},
    "cost.above": {"en": "That is more than the lesson's 4-6x.", "ru": "Это больше, чем 4-6x из урока."},
    "cost.below": {"en": "That is less than the lesson's 4-6x.", "ru": "Это меньше, чем 4-6x из урока."},
    "cost.epochs": {"en": ("And per training run: sigmoid needed {es} epochs to the threshold, ReLU {er} ({ratio}x "
                           "as many)."),
                    "ru": ("А на целое обучение: сигмоиде нужно {es} эпох до порога, ReLU - {er} (в {ratio} раза "
                           "больше).")},
    "cost.epochs_missing": {"en": "Epochs to the threshold: sigmoid {es}, ReLU {er} (- = not within {epochs} epochs).",
                            "ru": "Эпох до порога: сигмоида {es}, ReLU {er} (- = не достигнут за {epochs} эпох)."},
    "cost.combined": {"en": ("If the activation were the whole cost of an epoch, reaching the threshold with sigmoid "
                             "would take {combined}x the time of ReLU ({ratio}x per epoch times {epochs}x the "
                             "epochs)."),
                      "ru": ("Если бы активация была всей стоимостью эпохи, достижение порога с сигмоидой заняло бы "
                             "{combined}x времени ReLU ({ratio}x за эпоху на {epochs}x эпох).")},
    "cost.epochs_weigh_more": {"en": "Here the number of epochs weighs more than the per-element cost.",
                               "ru": "Здесь число эпох весит больше, чем стоимость на элемент."},
    "cost.element_weighs_more": {"en": "Here the per-element cost weighs more than the number of epochs.",
                                 "ru": "Здесь стоимость на элемент весит больше, чем число эпох."},
    "col.ms_h": {"en": "handmade ms", "ru": "handmade, мс"},
    "col.ms_t": {"en": "torch ms", "ru": "torch, мс"},
    "col.vs_relu": {"en": "x ReLU", "ru": "x ReLU"},
    "fig.theory_cost": {"en": ("Left: time of f + f' per activation. Right: epochs to the threshold per activation "
                               "(task 3)."),
                        "ru": ("Слева: время f + f' для каждой активации. Справа: эпох до порога для каждой активации "
                               "(задача 3).")},
}

# Figure labels: always both languages.
LABELS: dict[str, tuple[str, str]] = {
    "loss": ("Loss (MSE)", "Потери (MSE)"),
    "epoch": ("Epoch", "Эпоха"),
    "abs_diff": ("|handmade - torch|", "|handmade - torch|"),
    "task1_loss_title": ("Task 1: loss per epoch", "Задача 1: потери по эпохам"),
    "clean": ("clean", "чистая"),
    "flipped": ("flipped", "инверт."),
    "letters_title": ("Letters and predictions", "Буквы и ответы сети"),
    "chance": ("chance", "случайно"),
    "flips": ("Flipped pixels", "Инвертировано пикселей"),
    "accuracy": ("Accuracy, %", "Точность, %"),
    "robust_title": ("Noisy letters", "Зашумлённые буквы"),
    "samples_each": ("samples each", "примеров на точку"),
    "band": ("10-90%", "10-90%"),
    "median": ("median", "медиана"),
    "threshold": ("threshold", "порог"),
    "init_curves_title": ("Task 2: loss by initialisation", "Задача 2: потери при разных инициализациях"),
    "epochs_to_thr": ("Epochs to threshold", "Эпох до порога"),
    "epochs_title": ("Epochs to threshold per run", "Эпох до порога по запускам"),
    "never": ("never", "не достигли"),
    "reached_pct": ("Reached, %", "Достигли, %"),
    "start": ("start", "начало"),
    "end": ("end", "конец"),
    "dead_pct": ("Dead ReLU units, %", "Мёртвые ReLU, %"),
    "lr_title": ("Task 3: learning rates", "Задача 3: скорости обучения"),
    "act_title": ("Task 3: activations", "Задача 3: активации"),
    "gallery_title": ("Activations and derivatives", "Активации и производные"),
    "layer": ("Layer", "Слой"),
    "grad_norm": ("||dL/dW, dL/db||", "||dL/dW, dL/db||"),
    "vanish_title": ("Gradient norm per layer", "Норма градиента по слоям"),
    "linear_out": ("Single linear layer output", "Выход одного линейного слоя"),
    "net_out": ("Identity-activation net output", "Выход сети без активаций"),
    "collapse_title": ("Depth without activations collapses", "Глубина без активаций схлопывается"),
    "ms": ("Time, ms", "Время, мс"),
    "cost_title": ("f + f' time", "Время f + f'"),
    "epochs_act_title": ("Epochs to threshold", "Эпох до порога"),
    "red_never": ("red: never", "красный: не достигли"),
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}; supported languages are: {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **values) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return TEXT[key][check_lang(lang)].format(**values)


def bi(key: str) -> str:
    """A bilingual figure label: "Loss (MSE) / Потери (MSE)"."""
    en, ru = LABELS[key]
    return en if en == ru else f"{en} / {ru}"

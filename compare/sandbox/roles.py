"""What a name says: the roles of constructor parameters, method arguments and methods, as courses spell them.

Discovery (``compare.sandbox.discovery``) reads a class's signatures through these
tables. Names only ever *order* the guesses: every guess is then verified on the object
itself (shapes that chain in -> hidden -> out, a forward that depends on the weights, a
gradient that changes with the targets), so a class whose names are all unusual is still
understood, only after more tries.
"""

from __future__ import annotations

import re

# -- constructor parameters ---------------------------------------------------------------------
SIZE_LIST = re.compile(r"^(sizes?|layer_?sizes|layers?|layer_?dims?|dims?|architecture|topology|shape|"
                       r"neurons?|nodes?|units|structure|network_?shape|net_?sizes?)$")
HIDDEN_LIST = re.compile(r"^(hidden_?(sizes|layers|dims|layer_?sizes|shape|size_?list|sizes_?list|layer_?dims|"
                         r"layer_?list))$")
INPUT = re.compile(r"^(n_?|num_?|number_?of_?)?(inputs?|in|x|features?)(_?(size|dim|nodes|neurons|units|"
                   r"layer_?size|features|layer))?$|^(input_?nodes|inputnodes|ni|nx|n_?x|in_?features|d_?in)$")
HIDDEN = re.compile(r"^(n_?|num_?|number_?of_?)?(hidden|h)(_?(size|dim|nodes|neurons|units|layer_?size|"
                    r"layer))?_?(\d*)$|^(hidden_?nodes|hiddennodes|nh|n_?h)(\d*)$|^(hidden|h)(\d+)(_?(size|dim|"
                    r"nodes|neurons|units))?$")
OUTPUT = re.compile(r"^(n_?|num_?|number_?of_?)?(outputs?|out|y|classes|labels|targets)(_?(size|dim|nodes|"
                    r"neurons|units|layer_?size|layer))?$|^(output_?nodes|outputnodes|no|ny|n_?y|out_?features|"
                    r"d_?out|num_?classes|n_?classes)$")
LEARNING_RATE = re.compile(r"^(learning_?rate|learningrate|lr|eta|alpha|step_?size|learning|rate|lrate)$")
REGULARISATION = re.compile(r"^(reg|lambda_?|lam|lmbda|l2|l2_?reg|weight_?decay|regularization|"
                            r"regularisation|reg_?lambda|reg_?strength)$")
SEED = re.compile(r"^(seed|random_?state|rng_?seed|random_?seed)$")
EPOCHS = re.compile(r"^(epochs?|n_?epochs|num_?epochs|iterations|n_?iter|num_?iters?|max_?iter|steps|"
                    r"num_?steps|n_?steps|iters)$")
BATCH = re.compile(r"^(batch_?size|mini_?batch_?size|minibatch_?size|bs)$")
SCALE = re.compile(r"^(std|weight_?scale|init_?std|scale|weight_?init_?std|init_?scale|sigma)$")
QUIET = re.compile(r"^(verbose|debug|print_?every|log|logging|show|plot)$")

# -- method arguments -----------------------------------------------------------------------------
ARG_X = re.compile(r"^(x|xs|x_?batch|inputs?|inputs_?list|input_?data|data|a0|a_?0|features|samples?|"
                   r"training_?inputs|x_?train|batch|images?)$", re.IGNORECASE)
ARG_Y = re.compile(r"^(y|ys|y_?batch|t|targets?|targets_?list|labels?|y_?true|d|desired|expected|truth|"
                   r"y_?train|training_?outputs|outputs?_?true|one_?hot)$", re.IGNORECASE)
ARG_OUTPUT = re.compile(r"^(output|outputs|out|o|y_?pred|yhat|y_?hat|pred|predictions?|a\d*|h|final_?outputs|"
                        r"activations?|probs|scores|s|net_?output|forward_?output)$", re.IGNORECASE)
ARG_LR = LEARNING_RATE
ARG_EPOCHS = EPOCHS
ARG_BATCH = BATCH
ARG_REG = REGULARISATION
ARG_CACHE = re.compile(r"^(cache|caches|memory|intermediates|z|zs)$", re.IGNORECASE)
ARG_GRAD_OUT = re.compile(r"^(dout|d_?out|grad|grad_?output|delta|dy|d_?y|upstream|error|err|dl_?ds|d_?l)$",
                          re.IGNORECASE)

# -- methods -------------------------------------------------------------------------------------------
FORWARD_METHODS = ("forward", "feedforward", "feed_forward", "forward_pass", "forward_propagation",
                   "forward_prop", "fprop", "predict_proba", "query", "__call__", "predict", "compute_output",
                   "output", "run", "evaluate", "loss", "think")
GRADIENT_METHODS = ("backward", "backprop", "back_propagation", "backpropagate", "backpropagation", "backward_pass",
                    "backward_propagation", "bprop", "gradient", "gradients", "compute_gradients", "grad",
                    "grads", "loss", "train_step", "step", "update")
TRAIN_METHODS = ("train", "fit", "SGD", "sgd", "train_network", "learn", "train_model", "gradient_descent",
                 "optimize", "update_mini_batch")

# Names of gradient values, to map a returned dict or set attributes onto parameters: "dW1", "grad_W1",
# "W1_grad", "dL_dW1", "nabla_w" ... all mean "the gradient of W1" (or of the weights).
_GRAD_AFFIX = re.compile(r"^(d|grad_?|dl_?d|dj_?d|delta_?|nabla_?|g_?)|(_?grad|_?gradient)$", re.IGNORECASE)


def gradient_of(name: str) -> str | None:
    """The parameter a gradient's name refers to (``dW1`` -> ``W1``, ``grad_b2`` -> ``b2``), or None."""
    stripped = _GRAD_AFFIX.sub("", name)
    return stripped if stripped and stripped != name else None


def hidden_index(name: str) -> int | None:
    """For a hidden-size parameter, its layer number (``hidden2_size`` -> 2); 0 for an unnumbered one."""
    match = re.search(r"(\d+)", name)
    return int(match.group(1)) if match else 0


def role_of(name: str) -> str | None:
    """The role of a constructor parameter: sizes, hidden_sizes, input, hidden, output, lr, reg, seed, ..."""
    low = name.lower()
    for role, pattern in (("sizes", SIZE_LIST), ("hidden_sizes", HIDDEN_LIST), ("input", INPUT),
                          ("output", OUTPUT), ("hidden", HIDDEN), ("lr", LEARNING_RATE),
                          ("reg", REGULARISATION), ("seed", SEED), ("epochs", EPOCHS), ("batch", BATCH),
                          ("scale", SCALE), ("quiet", QUIET)):
        if pattern.match(low):
            return role
    return None


def argument_role(name: str) -> str | None:
    """The role of a method argument: x, y, output, lr, epochs, batch, reg, cache, grad_out."""
    for role, pattern in (("x", ARG_X), ("y", ARG_Y), ("lr", ARG_LR), ("epochs", ARG_EPOCHS),
                          ("batch", ARG_BATCH), ("reg", ARG_REG), ("cache", ARG_CACHE),
                          ("grad_out", ARG_GRAD_OUT), ("output", ARG_OUTPUT)):
        if pattern.match(name):
            return role
    return None

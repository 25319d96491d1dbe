"""Rename a corpus implementation the way another student would have named it, and reorder its constructor.

The corpus (``tests/compare/check/corpus``) and the discovery that must understand it are written by
different people, but discovery must not be keyed on the corpus's own names either: every copy made
here renames **every** attribute, method and parameter-dict key the module defines (``W1`` ->
``weights1``, ``forward`` -> ``feedforward`` / ``__call__``, ``backward`` -> ``backprop``,
``train`` -> ``fit`` ...) to another name a course or tutorial uses, and reverses the order of the
checked class's constructor parameters (required ones among themselves, defaulted ones among
themselves: keyword names and defaults kept). A name the corpus defines that has no entry in
``ALTERNATIVES`` is an error, so a new corpus module cannot slip through half renamed.

Names are chosen per module (``variant``: the module's position in the manifest), so that the
copies between them use several of the alternatives, some of which no name table of discovery lists.
"""

from __future__ import annotations

import ast
import re

# Every attribute, method and dict key the corpus defines -> names other courses give the same thing.
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    # methods
    "forward": ("feedforward", "__call__", "propagate", "forward_pass", "predict_proba"),
    "backward": ("backprop", "compute_gradients", "back_prop", "backpropagate", "gradients_of"),
    "train": ("fit", "train_model", "learn", "training_loop", "run_epochs"),
    "fit": ("train", "learn", "train_network"),
    "predict": ("infer", "classify", "predict_labels"),
    "loss": ("compute_loss", "cost", "objective"),
    "gradient": ("compute_gradients", "backprop_gradients", "grads"),
    "numerical_gradient": ("numeric_gradient", "gradient_check", "finite_difference_gradient"),
    "accuracy": ("score", "accuracy_score", "correct_rate"),
    "query": ("feedforward", "forward", "think"),
    "run": ("forward", "predict_values", "feedforward"),
    "feedforward": ("forward", "output_for", "predict_output"),
    "backprop": ("backward", "compute_gradients", "gradients_for"),
    "SGD": ("train_sgd", "stochastic_gradient_descent", "sgd"),
    "update_mini_batch": ("train_on_batch", "step_batch", "mini_batch_step"),
    "cost_derivative": ("loss_derivative", "dcost", "output_error"),
    "evaluate": ("count_correct", "test_accuracy", "n_correct"),
    "calculate": ("compute", "mean_loss", "total"),
    "update_params": ("apply", "step", "update_layer"),
    "softmax": ("softmax_fn", "normalise", "to_probabilities"),
    "step": ("apply_gradients", "sgd_step", "update"),
    "update": ("apply_gradients", "step", "descend"),
    "update_weights": ("apply_update", "step", "apply_deltas"),
    "backpropagation": ("backward_pass", "compute_deltas", "accumulate_deltas"),
    "forward_pass_train": ("forward_train", "forward_with_hidden", "hidden_and_output"),
    # parameters (attributes and dict keys), aligned so that one variant names a network consistently
    "W1": ("w1", "weights1", "w_layer1", "W_1", "layer1_weights"),
    "b1": ("bias1", "biases1", "b_layer1", "B_1", "layer1_bias"),
    "W2": ("w2", "weights2", "w_layer2", "W_2", "layer2_weights"),
    "b2": ("bias2", "biases2", "b_layer2", "B_2", "layer2_bias"),
    "W3": ("w3", "weights3", "w_layer3", "W_3", "layer3_weights"),
    "b3": ("bias3", "biases3", "b_layer3", "B_3", "layer3_bias"),
    "W": ("weight", "kernel", "weights"),
    "b": ("bias", "intercept", "biases"),
    "weights": ("weight_matrices", "w_list", "W"),
    "biases": ("bias_vectors", "b_list", "B"),
    "wih": ("w_ih", "W_hidden", "weights_ih"),
    "who": ("w_ho", "W_output", "weights_ho"),
    "bh": ("b_hidden", "bias_h", "b_ih"),
    "bo": ("b_output", "bias_o", "b_ho"),
    "W_ih": ("w_input_hidden", "weights_ih", "Wxh"),
    "b_h": ("bias_hidden", "bh", "b_xh"),
    "W_ho": ("w_hidden_output", "weights_ho", "Why"),
    "b_o": ("bias_output", "bo", "b_hy"),
    "weights_input_to_hidden": ("w_ih", "W_input_hidden", "wih"),
    "weights_hidden_to_output": ("w_ho", "W_hidden_output", "who"),
    "params": ("parameters", "weights_dict", "theta"),
    "dense1": ("hidden_layer", "fc1", "layer1"),
    "dense2": ("output_layer", "fc2", "layer2"),
    "layers": ("modules", "layer_list", "stack"),
    "Affine1": ("fc1", "Linear1", "Dense1"),
    "Affine2": ("fc2", "Linear2", "Dense2"),
    "Relu1": ("act1", "ReLU1", "Activation1"),
    "Affine": ("Linear", "Dense", "FC"),             # key prefixes: ``layers["Affine" + str(idx)]``
    "Activation_function": ("Nonlinearity", "Act", "Activation"),
    # gradients
    "dW": ("dweight", "grad_weight", "weight_grad"),
    "db": ("dbias", "grad_bias", "bias_grad"),
    "dW1": ("grad_w1", "dweights1", "d_W1"),
    "db1": ("grad_b1", "dbias1", "d_b1"),
    "dW2": ("grad_w2", "dweights2", "d_W2"),
    "db2": ("grad_b2", "dbias2", "d_b2"),
    "dW3": ("grad_w3", "dweights3", "d_W3"),
    "db3": ("grad_b3", "dbias3", "d_b3"),
    "dweights": ("grad_weights", "d_w", "weight_gradient"),
    "dbiases": ("grad_biases", "d_b", "bias_gradient"),
    "dinputs": ("dinput", "grad_inputs", "dx"),
    "grad": ("grads", "gradients", "g"),
    # caches and other state
    "X": ("inputs_cache", "x_in", "input_batch"),
    "x": ("inp", "x_cache", "last_input"),
    "y": ("y_hat", "prediction", "probs_out"),
    "t": ("target", "labels", "t_cache"),
    "p": ("prob", "p_cache", "probabilities"),
    "out": ("output_cache", "result", "activation_out"),
    "output": ("out_values", "activations_out", "result"),
    "inputs": ("input_values", "x_cache", "inputs_cache"),
    "A1": ("H1", "Hidden1", "Act1"),
    "A2": ("Probs", "Out2", "Act2"),
    "Z1": ("S1", "Net1", "Pre1"),
    "Z2": ("S2", "Net2", "Pre2"),
    "a1": ("h1", "hidden1", "act1"),
    "a2": ("h2", "hidden2", "act2"),
    "a3": ("h3", "out3", "act3"),
    "z1": ("pre1", "s1", "net1"),
    "z2": ("pre2", "s2", "net2"),
    "z3": ("pre3", "s3", "net3"),
    "zs": ("pre_activations", "z_list", "weighted_inputs"),
    "activations": ("layer_outputs", "acts", "a_list"),
    "probs": ("p_out", "probabilities", "softmax_out"),
    "cache": ("memo", "stash", "saved"),
    "mask": ("keep", "positive", "active"),
    "diff": ("residual", "error", "delta"),
    "hidden_input": ("z_hidden", "hidden_pre", "net_hidden"),
    "hidden_output": ("a_hidden", "hidden_act", "h"),
    "hidden_outputs": ("hidden_act", "h_out", "hidden"),
    "final_outputs": ("outputs", "final_out", "o"),
    "activation1": ("relu1", "hidden_activation", "act_layer"),
    "activation_function": ("activation", "sigmoid_fn", "act"),
    "alpha": ("slope", "negative_slope", "leak"),
    "criterion": ("loss_fn", "objective", "bce"),
    "loss_fn": ("criterion", "cost_fn", "loss_function"),
    "loss_function": ("loss_fn", "cost", "criterion"),
    "lastLayer": ("loss_layer", "last", "output_layer"),
    "last_layer": ("loss_layer", "last", "output_layer"),
    "learning_rate": ("eta", "lr", "rate"),
    "lr": ("eta", "learning_rate", "rate"),
    "reg": ("l2", "weight_decay", "lam"),
    "sizes": ("layer_sizes", "shape", "dims"),
    "num_layers": ("n_layers", "depth", "L"),
    "hidden_layer_num": ("n_hidden_layers", "num_hidden", "depth"),
    "hidden_size_list": ("hidden_sizes", "hidden_dims", "hidden_list"),
    "input_size": ("n_in", "input_dim", "d_in"),
    "output_size": ("n_out", "output_dim", "d_out"),
    "input_nodes": ("n_in", "inodes", "n_input"),
    "hidden_nodes": ("n_hidden", "hnodes", "n_hid"),
    "output_nodes": ("n_out", "onodes", "n_output"),
    "inodes": ("n_input", "input_nodes", "n_in"),
    "hnodes": ("n_hidden", "hidden_nodes", "n_hid"),
    "onodes": ("n_output", "output_nodes", "n_out"),
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMPOSED = re.compile(r"([A-Za-z_]+?)(\d+)")


def defined_names(tree: ast.Module) -> set[str]:
    """The attributes, methods and parameter-dict keys a module defines (what a copy must rename)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            names |= {item.name for item in node.body
                      if isinstance(item, ast.FunctionDef) and not item.name.startswith("__")}
            names |= {t.id for item in node.body if isinstance(item, ast.Assign)
                      for t in item.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Subscript) and isinstance(_key(node.slice), str) \
                and _key(node.slice) in ALTERNATIVES:
            names.add(_key(node.slice))
        elif isinstance(node, ast.Dict):
            names |= {k.value for k in node.keys
                      if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value in ALTERNATIVES}
    return names


def _key(node: ast.expr) -> str | None:
    """The string a subscript's key is, or starts with (``"W" + str(idx)``): a composed key is renamed by its
    constant prefix."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _all_words(tree: ast.Module) -> set[str]:
    """Every identifier and string constant of the module: a new name must collide with none of them."""
    words = set()
    for node in ast.walk(tree):
        for field in ("id", "attr", "name", "arg"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                words.add(value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.add(node.value)
    return words


def rename_map(tree: ast.Module, variant: int) -> dict[str, str]:
    """old -> new for every name the module defines; a name without alternatives raises."""
    names = sorted(defined_names(tree))
    missing = [n for n in names if n not in ALTERNATIVES]
    if missing:
        raise KeyError(f"no alternative names for {missing}: add them to renaming.ALTERNATIVES")
    taken = _all_words(tree)
    mapping = {}
    for name in names:
        options = ALTERNATIVES[name]
        rotated = options[variant % len(options):] + options[:variant % len(options)]
        new = next((o for o in rotated if o not in taken and o not in mapping.values()), None)
        if new is None:
            raise KeyError(f"every alternative of {name!r} is already used in the module")
        mapping[name] = new
    return mapping


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str], class_name: str):
        self.mapping, self.class_name = mapping, class_name

    def visit_ClassDef(self, node: ast.ClassDef):
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name in self.mapping:
                item.name = self.mapping[item.name]
            if isinstance(item, ast.Assign):  # a class attribute (``activation = "relu"``)
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        target.id = self.mapping.get(target.id, target.id)
            if isinstance(item, ast.FunctionDef) and item.name == "__init__" and node.name == self.class_name:
                _reorder(item.args)
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute):
        self.generic_visit(node)
        node.attr = self.mapping.get(node.attr, node.attr)
        return node

    def visit_Call(self, node: ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            # a printed label ("loss", 0.25) is a word, not a name: it stays (the checker reads printed losses)
            node.args = [a if isinstance(a, ast.Constant) else self.visit(a) for a in node.args]
            return node
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "__call__":
            node.func = node.func.value  # ``layer.__call__(x)`` is written ``layer(x)``
        return node

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, str) and node.value in self.mapping:
            node.value = self.mapping[node.value]
        return node


def _reorder(args: ast.arguments) -> None:
    """Reverse the constructor's parameters after ``self``: required ones among themselves, defaulted ones
    among themselves (so the signature stays valid and every keyword keeps its name and default)."""
    params = args.args[1:]
    n_defaults = len(args.defaults)
    required = params[:len(params) - n_defaults]
    defaulted = list(zip(params[len(params) - n_defaults:], args.defaults))
    defaulted.reverse()
    args.args = [args.args[0], *reversed(required), *(p for p, _ in defaulted)]
    args.defaults = [d for _, d in defaulted]


def transformed(source: str, class_name: str, variant: int) -> tuple[str, dict[str, str]]:
    """(the renamed source, old -> new names); the constructor of ``class_name`` is reordered."""
    tree = ast.parse(source)
    mapping = rename_map(tree, variant)
    tree = ast.fix_missing_locations(_Renamer(mapping, class_name).visit(tree))
    return ast.unparse(tree) + "\n", mapping


def renamed_path(path: str, mapping: dict[str, str]) -> str:
    """A parameter's place as the report prints it (``params['W1']``, ``layers[0].W``) in the renamed copy.

    A name the module does not define but composes from a renamed prefix and a number (``"W" + str(idx)``
    gives ``W1``) is renamed by its prefix (``weight1``)."""
    def rename(word: str) -> str:
        if word in mapping:
            return mapping[word]
        composed = _COMPOSED.fullmatch(word)
        if composed and composed.group(1) in mapping:
            return mapping[composed.group(1)] + composed.group(2)
        return word
    return _IDENTIFIER.sub(lambda m: rename(m.group(0)), path)

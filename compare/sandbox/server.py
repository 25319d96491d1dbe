"""The user's side of a check: answers the checker's requests about one class, in the process that runs it.

Requests (``op``): ``load`` the target, ``discover`` how the class works (or ``adopt`` a plan
found before, after a restart), ``build`` an object, ``set_params`` / ``get_params``,
``forward``, ``gradients``, ``train``, ``release`` an object, ``exit``. Every reply is an
``Outcome`` message (``value``/``error``/``stdout``/``timed_out``); every call into the user's
code goes through ``UserCalls`` (time limit, captured output, exceptions as findings).
The checker never sees an object, only arrays and words.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path

import numpy as np

from compare.sandbox import params
from compare.sandbox.calling import argument_roles, as_rows, run_forward, shape_inputs
from compare.sandbox.calls import Outcome, UserCalls
from compare.sandbox.compose import Network, composed, layer_kit, takes_layers
from compare.sandbox.construct import Call, Request
from compare.sandbox.discovery import ADAPTER_FIX, CONSTRUCTOR, ConstructorFailed, Discovery, NotUnderstood
from compare.sandbox.glue import glue_functions, glued
from compare.sandbox.gradients import Batch, output_gradient, read_gradients, targets_for
from compare.sandbox.layout import ParamLayout
from compare.sandbox.loading import Loaded, LoadFailed, load_module, load_target
from compare.sandbox.plan import MethodPlan, Plan
from compare.sandbox.probes import run_training, train_values
from compare.sandbox.texts import say
from handmade.contract.errors import InvalidInput
from handmade.init import init_params
from handmade.losses import get_loss


def probe_params(sizes, bias: bool, seed: int = 7) -> dict[str, np.ndarray]:
    """Known, distinct weights for discovery's probes (torch layout)."""
    drawn = init_params(sizes, "normal(std=0.5)", seed)
    return drawn if bias else {k: v for k, v in drawn.items() if k.endswith("weight")}


def plan_from_message(message: dict) -> Plan:
    call = Call(tuple(message["call"]["args"]), dict(message["call"]["kwargs"]), tuple(message["sizes"]),
                message["filled"], message["call"]["lr_name"], message["call"]["epochs_name"])
    return Plan(message["class_name"], call, tuple(message["sizes"]), message["bias"],
                [ParamLayout.from_message(p) for p in message["layouts"]], MethodPlan(**message["forward"]),
                MethodPlan(**message["gradients"]) if message["gradients"] else None,
                MethodPlan(**message["train"]) if message["train"] else None, list(message["notes"]),
                message.get("missing"))


class UserServer:
    """Holds the loaded class, its plan and the objects built so far (by handle)."""

    def __init__(self, calls: UserCalls, preloaded: Loaded | None = None):
        self.calls = calls
        self.preloaded = preloaded   # a class already in this process (the caller's own, from a notebook)
        self.loaded = None
        self.cls: type | None = None       # the class driven: the loaded one, or one assembled from layers
        self.plan: Plan | None = None
        self.objects: dict[int, object] = {}
        self.next_handle = 1

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            return Outcome(error=f"unknown request {op!r}").to_message()
        try:
            return handler(request)
        except (InvalidInput, LoadFailed) as exc:
            return Outcome(error=exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc),
                           timed_out=getattr(exc, "timed_out", False),
                           usage=isinstance(exc, InvalidInput)).to_message()
        except Exception as exc:  # noqa: BLE001 - a bug of the checker's own: reported, not a dead child
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return Outcome(error=say("call.internal_error", error=f"{type(exc).__name__}: {exc}",
                                     file=Path(where.filename).name, line=where.lineno)).to_message()

    # -- the class ----------------------------------------------------------------------------------------
    def op_load(self, request: dict) -> dict:
        self.loaded = self.preloaded or load_target(request["target"], self.calls, request.get("class_name"))
        self.calls.source = self.loaded.source
        if request.get("adapter"):  # the escape hatch: the class is driven through the adapter's functions
            module, _, _ = load_module(request["adapter"], self.calls)
            self.loaded.cls = glued(self.loaded.cls, glue_functions(module, request["adapter"]), request["adapter"])
            self.loaded.notes.append(say("load.adapter", adapter=request["adapter"]))
        name = self.loaded.cls.__name__ if self.loaded.cls is not None else None
        return Outcome(value={"label": self.loaded.label, "class_name": name,
                              "notes": self.loaded.notes}).to_message()

    def _network_class(self, request: dict) -> type:
        """The class to drive: the loaded one, or one assembled from the file's layer classes (a file without a
        network class, or a container that takes a list of layers: ``compare.sandbox.compose``)."""
        cls = self.loaded.cls
        given = request.get("request", {}).get("init_args", {})
        if cls is not None and not takes_layers(cls, given):
            return cls
        kit = layer_kit(self.loaded.namespace or {}, self.calls)
        if kit is None and cls is not None:
            return cls   # "layers" here is a list of sizes, not of layer objects (``DeepNeuralNetwork(nx, layers)``)
        if kit is None:
            raise NotUnderstood(say("discovery.no_dense", name=cls.__name__) if cls else say("discovery.no_dense_file"),
                                ADAPTER_FIX)
        network = Network(request["activation"], request["output_activation"], request["loss"])
        missing = [name for name in {network.activation.split("(")[0], network.output_activation.split("(")[0]}
                   if name != "identity" and name not in kit.activations
                   and not (name == get_loss(network.loss).link and kit.loss_takes_logits(network.loss))]
        if missing:
            classes = [c.__name__ for c in kit.activations.values()]
            raise NotUnderstood(say("discovery.no_activation_class", activation=missing[0], classes=classes)
                                if classes else say("discovery.no_activation_classes", activation=missing[0]),
                                say("fix.activations"))
        self._kit = kit
        return composed(kit, network, cls)

    def op_discover(self, request: dict) -> dict:
        self.calls.avoid(request.get("avoid", {}))
        data = request["data"]
        try:
            self.cls = self._network_class(request)
            discovery = Discovery(self.cls, Request(**request["request"]), self.calls, data, probe_params,
                                  (request["loss"], request["output_activation"]))
            self.plan = discovery.run()
        except NotUnderstood as exc:
            return Outcome(value={"not_understood": {"reason": exc.reason, "fix": exc.fix}}).to_message()
        except ConstructorFailed as exc:
            return Outcome(value={"constructor_failed": {"construction": exc.construction,
                                                         **exc.outcome.to_message()}}).to_message()
        if self.cls is not self.loaded.cls:
            network = Network(request["activation"], request["output_activation"], request["loss"])
            self.plan.notes.insert(0, self._kit.describe(self.plan.sizes, network, self.loaded.cls))
        plan = self.plan.to_message()
        plan["call"] = {"args": list(self.plan.call.args), "kwargs": self.plan.call.kwargs,
                        "lr_name": self.plan.call.lr_name, "epochs_name": self.plan.call.epochs_name}
        return Outcome(value={"plan": plan}).to_message()

    def op_adopt(self, request: dict) -> dict:
        self.calls.avoid(request.get("avoid", {}))
        self.cls = self._network_class(request)
        self.plan = plan_from_message(request["plan"])
        return Outcome(value=True).to_message()

    # -- objects -----------------------------------------------------------------------------------------------
    def op_build(self, request: dict) -> dict:
        call = self.plan.call.with_values(**request.get("values", {}))
        outcome = self.calls.call(call.text(self.plan.class_name),
                                  functools.partial(self.cls, *call.args, **call.kwargs), group=CONSTRUCTOR)
        if outcome.ok:
            self.objects[self.next_handle] = outcome.value
            outcome.value = self.next_handle
            self.next_handle += 1
        return outcome.to_message()

    def _object(self, request: dict):
        obj = self.objects.get(request["handle"])
        if obj is None:
            raise InvalidInput("the object was lost (its process was restarted)")
        return obj

    def op_release(self, request: dict) -> dict:
        self.objects.pop(request["handle"], None)
        return Outcome(value=True).to_message()

    def op_set_params(self, request: dict) -> dict:
        obj = self._object(request)
        dtype = np.dtype(request["dtype"])
        return self.calls.call("setting its weights", params.set_params, obj, self.plan.layouts, request["params"],
                               dtype).to_message()

    def op_get_params(self, request: dict) -> dict:
        return self.calls.call("reading its weights", params.get_params, self._object(request),
                               self.plan.layouts).to_message()

    # -- calls ------------------------------------------------------------------------------------------------
    def op_forward(self, request: dict) -> dict:
        forward = self.plan.forward
        obj = self._object(request)
        X = request["X"]
        outcome = self.calls.call(forward.name, run_forward, getattr(obj, forward.name, None),
                                  shape_inputs(X, forward.layout), say("call.forward_gone"), group=forward.name)
        if outcome.ok:
            rows = as_rows(outcome.value, forward.layout, len(X), self.plan.sizes[-1])
            outcome.value = rows if rows is not None else _shape_of(outcome.value)
        return outcome.to_message()

    def op_gradients(self, request: dict) -> dict:
        grads = self.plan.gradients
        obj = self._object(request)
        y = targets_for(request, grads.layout, grads.labels)
        lr = grads.lr if grads.lr is not None else 1.0
        batch = Batch(request["X"], y, output_gradient(request["loss"], request["output_activation"]))
        outcome = self.calls.call(f"{grads.name}(...)", read_gradients, self.plan, obj, grads.name, grads.source,
                                  batch, lr, grads.layout, group=grads.name)
        if outcome.ok:
            read = outcome.value
            outcome.value = {"grads": read.grads, "error": read.error, "how": read.how, "updated": read.updated,
                             "overwrote_output": read.overwrote_output}
        return outcome.to_message()

    def op_train(self, request: dict) -> dict:
        train = self.plan.train
        obj = self._object(request)
        epochs, lr = int(request["epochs"]), float(request["lr"])
        if train.epochs == "constructor" or (train.lr_known and self.plan.call.lr_name and not _takes_lr(obj, train)):
            obj = self._rebuilt(request["handle"], obj, epochs=epochs, lr=lr)
        values = train_values(request, train, epochs, lr)
        return self.calls.call(f"{train.name}(X, Y, {epochs}, {lr:g})", run_training, obj, train, values, epochs,
                               group=train.name, size=epochs).to_message()

    def _rebuilt(self, handle: int, obj, **values):
        """A new object built with these constructor values (learning rate, epochs), holding ``obj``'s weights."""
        call = self.plan.call.with_values(**values)
        built = self.calls.call(call.text(self.plan.class_name),
                                functools.partial(self.cls, *call.args, **call.kwargs), group=CONSTRUCTOR)
        if not built.ok:
            return obj
        current = params.as_torch(self.plan.layouts, params.get_params(obj, self.plan.layouts))
        params.set_params(built.value, self.plan.layouts, current, next(iter(current.values())).dtype)
        self.objects[handle] = built.value
        return built.value


def _takes_lr(obj, train: MethodPlan) -> bool:
    return any(role == "lr" for _, role, _ in argument_roles(getattr(obj, train.name)))


def _shape_of(value) -> dict:
    """What a forward returned when it is not an output of the right shape (for the report)."""
    arr = np.asarray(value) if isinstance(value, np.ndarray) else None
    return {"wrong_output": type(value).__name__ if arr is None else say("call.array_of_shape", shape=arr.shape)}

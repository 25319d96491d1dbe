"""step: one forward/backward of both sides compared tensor by tensor, and finite differences.

``parity`` (every tensor of one step against torch autograd), ``gradcheck`` (central
differences, a torch-free third opinion), ``suite`` (every activation x loss x
initialiser x net x dtype: ``mlp-parity grads``).
"""

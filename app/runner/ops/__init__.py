"""Each kind of kernel object's operations, as a scenario process performs them.

One module a kind (pipes stay in `app/runner/proc.py`, where the loop is): each holds a mixin
whose `op_<name>` methods do one program step as a real system call through `self.call`.
`ScenarioProcess` inherits every mixin, so a new kind is a module here plus its line there.
"""

"""Layers a behaviour can use from its own code (remote procedure calls, ordered broadcast,
failure detectors): objects built on the node API that take their own messages with
``node.on_message`` and leave the rest to the behaviour."""

"""The production topology on loopback: ``make cluster`` runs it, ``make cluster-test`` proves it."""

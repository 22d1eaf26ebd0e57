from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with the cheapest parameters: the same algorithm, without the deliberate cost.

    Tests create many users; production keeps Django's defaults.
    """

    time_cost = 1
    memory_cost = 64
    parallelism = 1

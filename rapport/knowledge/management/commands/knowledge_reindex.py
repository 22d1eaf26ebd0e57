"""Rebuild the knowledge base's search index: after an upgrade that changes the tokenizer or
the embedding model, or after articles were written without the services (a bulk load)."""

import time

from django.core.management.base import BaseCommand

from rapport.knowledge.services import search_index_rebuild


class Command(BaseCommand):
    help = "Re-index every knowledge base article (words and embeddings)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = search_index_rebuild()
        self.stdout.write(f"{count} articles indexed in {time.perf_counter() - started:.1f} s")

from django.core.management.base import BaseCommand

from drafting.render import page_cache


class Command(BaseCommand):
    help = (
        "Give this database a new cache namespace: nothing cached before is read again. Run it "
        "after restoring a backup (pg_restore) into a database whose cache is still there, then "
        "restart the app's processes."
    )

    def handle(self, *args, **options):
        token = page_cache.renew_namespace()
        self.stderr.write(f"cache namespace renewed: {token}")

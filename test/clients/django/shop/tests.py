"""Run by manage.py test, in a test database copied from the template."""

from django.db import connection
from django.test import TestCase

from .models import Customer, Order


class MigratedThroughTheExtensionTests(TestCase):
    def test_columns_were_added_by_the_extension(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM default_policy_audit WHERE action = 'add_column'")
            self.assertEqual(cursor.fetchone()[0], 11)

    def test_each_order_gets_its_own_public_id(self):
        customer = Customer.objects.create(name="c")
        first = Order.objects.create(number=1, customer=customer)
        second = Order.objects.create(number=2, customer=customer)
        self.assertNotEqual(first.public_id, second.public_id)
        self.assertEqual(Order.objects.get(pk=first.pk).note, 'it\'s 50% off: :word \\o/ "quoted" $$ %(x)s')

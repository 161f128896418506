import datetime
import uuid

from django.db import models
from django.utils import timezone


class Customer(models.Model):
    name = models.CharField(max_length=50)
    # added by 0002 through defaults_policy
    token = models.UUIDField(default=uuid.uuid4)
    score = models.IntegerField(default=0)

    class Meta:
        db_table = "ShopCustomer"


class Order(models.Model):
    number = models.IntegerField()
    # added by 0002 through defaults_policy
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    placed_at = models.DateTimeField(default=timezone.now)
    placed_on = models.DateField(default=datetime.date.today)
    currency = models.CharField(max_length=3, default="eur")
    created_on = models.DateTimeField(default=timezone.now)
    # added by 0003: literals that hand-written SQL gets wrong, a check, a foreign key
    note = models.CharField(max_length=100, default='it\'s 50% off: :word \\o/ "quoted" $$ %(x)s')
    attrs = models.JSONField(default=dict)
    quantity = models.PositiveIntegerField(default=1)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, default=1)

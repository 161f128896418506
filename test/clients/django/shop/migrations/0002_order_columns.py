import datetime
import uuid

import django.utils.timezone
from django.db import migrations, models

import defaults_policy.django


class Migration(migrations.Migration):

    dependencies = [("shop", "0001_initial")]

    operations = [
        # uuid.uuid4 becomes gen_random_uuid(): every existing row gets a uuid of its own
        defaults_policy.django.AddField(
            model_name="order",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True),
        ),
        # timezone.now becomes now(), date.today CURRENT_DATE
        defaults_policy.django.AddField(
            model_name="order",
            name="placed_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        defaults_policy.django.AddField(
            model_name="order",
            name="placed_on",
            field=models.DateField(default=datetime.date.today),
        ),
        # a constant becomes a literal of the column's type
        defaults_policy.django.AddField(
            model_name="order",
            name="currency",
            field=models.CharField(default="eur", max_length=3),
        ),
        # a named policy gives the type, the default and keep_default
        defaults_policy.django.AddField(
            model_name="order",
            name="created_on",
            field=models.DateTimeField(default=django.utils.timezone.now),
            policy="created_on",
        ),
        # db_table = "ShopCustomer": the name keeps its case
        defaults_policy.django.AddField(
            model_name="customer",
            name="token",
            field=models.UUIDField(default=uuid.uuid4),
        ),
        defaults_policy.django.AddField(
            model_name="customer",
            name="score",
            field=models.IntegerField(default=0),
        ),
    ]

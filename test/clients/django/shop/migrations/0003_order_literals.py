import django.db.models.deletion
from django.db import migrations, models

import defaults_policy.django


class Migration(migrations.Migration):

    dependencies = [("shop", "0002_order_columns")]

    operations = [
        # quotes, %, :word, a backslash, dollar quotes and a %(name)s
        defaults_policy.django.AddField(
            model_name="order",
            name="note",
            field=models.CharField(default='it\'s 50% off: :word \\o/ "quoted" $$ %(x)s', max_length=100),
        ),
        # a callable without a SQL counterpart (dict): the SQL default is given
        defaults_policy.django.AddField(
            model_name="order",
            name="attrs",
            field=models.JSONField(default=dict),
            default_sql="""'{"note": "it''s 50% off: :word", "path": "C:\\\\temp"}'::jsonb""",
        ),
        # the rest of the field comes after the column: a CHECK, a foreign key and its index
        defaults_policy.django.AddField(
            model_name="order",
            name="quantity",
            field=models.PositiveIntegerField(default=1),
        ),
        defaults_policy.django.AddField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(
                default=1, on_delete=django.db.models.deletion.PROTECT, to="shop.customer"
            ),
        ),
    ]

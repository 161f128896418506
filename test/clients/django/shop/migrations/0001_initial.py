from django.db import migrations, models

import defaults_policy.django


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        defaults_policy.django.CreateExtension(),
        migrations.CreateModel(
            name="Customer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
            ],
            options={"db_table": "ShopCustomer"},
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.IntegerField()),
            ],
        ),
    ]

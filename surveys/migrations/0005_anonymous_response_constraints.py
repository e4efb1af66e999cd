from django.db import migrations, models


class Migration(migrations.Migration):
    """The constraints that keep candidate responses coarse, once the data migration made them so."""

    dependencies = [
        ("surveys", "0004_anonymise_candidate_responses"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='response',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'kandidatenkat'), _negated=True), models.Q(('answered_on__day', 1), ('consultant__isnull', True), ('organisation__isnull', True), ('package_code', ''), ('sector__isnull', True)), _connector='OR'), name='candidate_response_is_coarse'),
        ),
        migrations.AddConstraint(
            model_name='response',
            constraint=models.CheckConstraint(condition=models.Q(('sent_in__isnull', True), models.Q(('sent_in__day', 1), ('sent_in__month__in', [1, 5, 9])), _connector='OR'), name='response_sent_in_is_a_tertial'),
        ),
    ]

"""Plans are flagged (product.template.iot_is_plan) and only flagged products are offered
and accepted as plans: the products devices are on today, and the demo data's plans
(loaded once, not updated), keep working as plans."""

DEMO_PLANS = (
    "product_premium_fleet_subscription",
    "product_standard_fleet_subscription",
    "product_first_use_subscription",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """UPDATE product_template t SET iot_is_plan = TRUE
             FROM product_product p
            WHERE p.product_tmpl_id = t.id AND NOT COALESCE(t.iot_is_plan, FALSE)
              AND (EXISTS (SELECT 1 FROM contract_line l
                            WHERE l.product_id = p.id AND l.iot_device_id IS NOT NULL)
                   OR EXISTS (SELECT 1 FROM ir_model_data d
                               WHERE d.module = 'iot_contract_billing'
                                 AND d.model = 'product.product' AND d.res_id = p.id
                                 AND d.name = ANY(%s)))""",
        [list(DEMO_PLANS)],
    )

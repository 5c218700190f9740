/*
 * Driven by tests/test_views_in_browser.py through HttpCase.browser_js, in the running web
 * client of a logged-in user. Not a module: the page evaluates it, then calls one of the
 * functions below. A test fails on the first console.error; it succeeds on the console's
 * "test successful".
 */
window.iotBrowserTest = (function () {
    const { App } = odoo.loader.modules.get("@odoo/owl");
    const { rpcBus } = odoo.loader.modules.get("@web/core/network/rpc");
    const env = odoo.__WOWL_DEBUG__.root.env;
    const action = env.services.action;

    const pendingRPC = new Map();
    const failedRPC = [];
    rpcBus.addEventListener("RPC:REQUEST", ({ detail }) => {
        pendingRPC.set(detail.data.id, detail.url);
    });
    rpcBus.addEventListener("RPC:RESPONSE", ({ detail }) => {
        const url = pendingRPC.get(detail.data.id);
        pendingRPC.delete(detail.data.id);
        // A request the web client drops itself (a newer one replaced it) is no error.
        if (detail.error && detail.error.name !== "ConnectionAbortedError") {
            const data = detail.error.data || {};
            failedRPC.push(
                `${url}: ${data.name || detail.error.name}: ${data.message || detail.error.message}`,
            );
        }
    });

    let where = "";

    class ClientError extends Error {}

    function fail(message) {
        throw new ClientError(`${where}: ${message}`);
    }

    function nextFrame() {
        return new Promise((resolve) => setTimeout(() => requestAnimationFrame(resolve)));
    }

    function busy() {
        let tasks = 0;
        for (const app of App.apps) {
            tasks += app.scheduler.tasks.size;
        }
        return pendingRPC.size > 0 || tasks > 0;
    }

    function errorDialog() {
        const dialog = document.querySelector(".o_error_dialog");
        return dialog && dialog.closest(".modal-content, .o_dialog");
    }

    /** Waits until no request is on its way and nothing is left to render, twice in a row. */
    async function settle({ allowErrors = false } = {}) {
        const deadline = Date.now() + 30000;
        let quiet = 0;
        while (quiet < 2) {
            await nextFrame();
            quiet = busy() ? 0 : quiet + 1;
            if (Date.now() > deadline) {
                fail(
                    `still waiting after 30 s for ${[...pendingRPC.values()].join(", ") || "rendering"}`,
                );
            }
        }
        if (allowErrors) {
            return;
        }
        const dialog = errorDialog();
        if (dialog) {
            fail(
                `error dialog "${dialog.innerText.trim().slice(0, 1500)}"; RPC errors: ${failedRPC.join(" | ") || "none"}`,
            );
        }
        if (failedRPC.length) {
            fail(`RPC error ${failedRPC.join(" | ")}`);
        }
    }

    /** Clicks the first element that matches and shows `text`, when given; then settles. */
    async function click(selector, description, { text, allowErrors = false } = {}) {
        const element = [...document.querySelectorAll(selector)].find(
            (element) => text === undefined || element.innerText.trim() === text,
        );
        if (!element) {
            fail(`no ${description} (${selector})`);
        }
        element.click();
        await settle({ allowErrors });
    }

    function expectView(viewType) {
        if (!document.querySelector(`.o_action_manager .o_${viewType}_view`)) {
            fail(`the ${viewType} view is not shown`);
        }
    }

    async function type(input, value) {
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
        await settle();
    }

    /** A kanban column's quick create, as a user does it: type an identifier, Add. */
    async function quickCreateInColumn() {
        const quickAdd = document.querySelector(".o_kanban_renderer .o_kanban_quick_add");
        if (!quickAdd) {
            return;
        }
        where += " > quick create";
        quickAdd.click();
        await settle();
        const input = document.querySelector(".o_kanban_quick_create input");
        if (!input) {
            fail("the quick create form has no input");
        }
        await type(input, "IOT_QUICK_1");
        await click(".o_kanban_quick_create .o_kanban_add", "Add button");
        if (document.querySelector(".o_kanban_quick_create .o_field_invalid")) {
            fail("the quick create form refuses what was typed");
        }
    }

    /** New from the current view's control panel; then discard what it opened. */
    async function openNew() {
        const button = document.querySelector(
            ".o_control_panel_main_buttons :is(.o_form_button_create, .o_list_button_add, .o-kanban-button-new)",
        );
        if (!button) {
            return; // the user may not create
        }
        where += " > New";
        button.click();
        await settle();
        for (const discard of [".o_form_button_cancel", ".o_list_button_discard"]) {
            if (document.querySelector(discard)) {
                await click(discard, "Discard button");
            }
        }
    }

    /**
     * A client action (a dashboard): it shows, then each button or link it offers opens a
     * view without an error. The menu is opened again before each click.
     */
    async function openClientAction(item) {
        const clickables = () => [
            ...document.querySelectorAll(
                ".o_action_manager > .o_action :is(button, a[href], [role=button])",
            ),
        ];
        if (!document.querySelector(".o_action_manager > .o_action")) {
            fail("the client action shows nothing");
        }
        const count = clickables().length;
        for (let index = 0; index < count; index++) {
            where = `${item.name} > click ${index + 1} of ${count}`;
            if (index) {
                await env.services.menu.selectMenu(item.menuId);
                await settle();
            }
            const element = clickables()[index];
            if (!element) {
                fail("the client action changed between two openings");
            }
            where += ` "${element.innerText.trim().replace(/\s+/g, " ").slice(0, 60)}"`;
            element.click();
            await settle();
            if (!document.querySelector(".o_action_manager .o_view_controller")) {
                fail("the click opened no view");
            }
        }
    }

    async function run(step) {
        try {
            await step();
            console.log("test successful");
        } catch (error) {
            let message =
                error instanceof ClientError
                    ? error.message
                    : `${where}: ${error.message || error}`;
            if (error.cause) {
                message += ` (${error.cause.message || error.cause})`;
            }
            if (failedRPC.length && !(error instanceof ClientError)) {
                message += `; RPC errors: ${failedRPC.join(" | ")}`;
            }
            console.error(message);
        }
    }

    /**
     * Opens each menu of the plan, each view of its window action, the form of an existing
     * record and a new one.
     *
     * @param {Array<{name: string, menuId: number, client: boolean|undefined, target: string, views: string[], resId: number|false}>} plan
     */
    async function openEveryView(plan) {
        await settle();
        for (const item of plan) {
            where = item.name;
            await env.services.menu.selectMenu(item.menuId);
            await settle();
            if (item.client) {
                await openClientAction(item);
                continue;
            }
            if (item.target === "new") {
                if (!document.querySelector(".modal .o_form_view")) {
                    fail("the dialog shows no form");
                }
                await action.doAction({ type: "ir.actions.act_window_close" });
                await settle();
                continue;
            }
            for (const viewType of item.views.filter((viewType) => viewType !== "form")) {
                where = `${item.name} > ${viewType}`;
                await action.switchView(viewType);
                await settle();
                expectView(viewType);
                if (viewType === "kanban") {
                    await quickCreateInColumn();
                }
            }
            if (item.views.includes("form")) {
                where = `${item.name} > form`;
                if (item.resId) {
                    where += ` of record ${item.resId}`;
                    await action.switchView("form", { resId: item.resId });
                    await settle();
                    expectView("form");
                }
                await openNew();
            }
        }
    }

    /**
     * A business error (here: activating a device that is active already) shows as a
     * warning with its message, not as a crash with a traceback.
     *
     * @param {string} identifier an active device
     */
    async function businessErrorIsAWarning(identifier) {
        where = "activate an active device";
        await settle();
        await action.doAction("iot_fleet.iot_device_action", {
            clearBreadcrumbs: true,
            viewType: "list",
        });
        await settle();
        const row = [...document.querySelectorAll(".o_list_renderer .o_data_row")].find(
            (row) => row.querySelector("[name=identifier]")?.innerText.trim() === identifier,
        );
        if (!row) {
            fail(`no row for ${identifier}`);
        }
        row.querySelector(".o_list_record_selector input").click();
        await settle();
        await click(".o_control_panel button", "Activate button for the selection", {
            text: "Activate",
        });
        await click(".modal footer button", "Activate button in the wizard", {
            text: "Activate",
            allowErrors: true,
        });
        const dialog = errorDialog();
        if (!dialog) {
            fail("no dialog tells that the device is active already");
        }
        const text = dialog.innerText;
        if (
            text.includes("Oops!") ||
            dialog.querySelector(".o_error_detail") ||
            !text.includes("already active")
        ) {
            fail(`not a warning: "${text.trim().slice(0, 500)}"`);
        }
        failedRPC.length = 0;
        await click(".o_error_dialog .modal-footer .btn-primary", "Close button");
    }

    return {
        openEveryView: (plan) => run(() => openEveryView(plan)),
        businessErrorIsAWarning: (identifier) => run(() => businessErrorIsAWarning(identifier)),
    };
})();

#!/bin/bash
# devstack plugin of nova-lite: installs it, writes its config, creates the
# database, registers the compute endpoint and runs the four daemons.

function install_nova_lite {
    setup_develop $NOVA_LITE_DIR
}

function configure_nova_lite {
    sudo install -d -o $STACK_USER $NOVA_LITE_CONF_DIR
    iniset $NOVA_LITE_CONF DEFAULT transport_url $(get_transport_url)
    iniset $NOVA_LITE_CONF DEFAULT compute_driver $NOVA_LITE_COMPUTE_DRIVER
    iniset $NOVA_LITE_CONF DEFAULT osapi_compute_listen_port $NOVA_LITE_API_PORT
    # Only the conductor (and nova-lite-manage) get the database.
    iniset $NOVA_LITE_CONDUCTOR_CONF database connection $(database_connection_url nova_lite)
    iniset $NOVA_LITE_CONF api auth_strategy keystone
    configure_keystone_authtoken_middleware $NOVA_LITE_CONF nova
    # nova-lite's own user: service tokens, and Glance calls of repairs without a caller.
    iniset $NOVA_LITE_CONF service_user send_service_user_token True
    iniset $NOVA_LITE_CONF service_user auth_type password
    iniset $NOVA_LITE_CONF service_user auth_url $KEYSTONE_SERVICE_URI
    iniset $NOVA_LITE_CONF service_user username nova
    iniset $NOVA_LITE_CONF service_user password $SERVICE_PASSWORD
    iniset $NOVA_LITE_CONF service_user user_domain_name $SERVICE_DOMAIN_NAME
    iniset $NOVA_LITE_CONF service_user project_name $SERVICE_PROJECT_NAME
    iniset $NOVA_LITE_CONF service_user project_domain_name $SERVICE_DOMAIN_NAME
}

function init_nova_lite {
    recreate_database nova_lite
    $NOVA_LITE_BIN_DIR/nova-lite-manage --config-file $NOVA_LITE_CONF \
        --config-file $NOVA_LITE_CONDUCTOR_CONF db sync
    if is_service_enabled keystone; then
        get_or_create_service "nova" "compute" "Compute Service (nova-lite)"
        get_or_create_endpoint "compute" "$REGION_NAME" \
            "$SERVICE_PROTOCOL://$SERVICE_HOST:$NOVA_LITE_API_PORT/v2.1"
    fi
}

function start_nova_lite {
    run_process nl-cond "$NOVA_LITE_BIN_DIR/nova-lite-conductor --config-file $NOVA_LITE_CONF --config-file $NOVA_LITE_CONDUCTOR_CONF"
    run_process nl-sch "$NOVA_LITE_BIN_DIR/nova-lite-scheduler --config-file $NOVA_LITE_CONF"
    run_process nl-cpu "$NOVA_LITE_BIN_DIR/nova-lite-compute --config-file $NOVA_LITE_CONF"
    run_process nl-api "$NOVA_LITE_BIN_DIR/nova-lite-api --config-file $NOVA_LITE_CONF"
}

function stop_nova_lite {
    for service in nl-api nl-cpu nl-sch nl-cond; do
        stop_process $service
    done
}

NOVA_LITE_BIN_DIR=$(get_python_exec_prefix)

if [[ "$1" == "stack" && "$2" == "install" ]]; then
    install_nova_lite
elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
    configure_nova_lite
    init_nova_lite
elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
    start_nova_lite
fi
if [[ "$1" == "unstack" ]]; then
    stop_nova_lite
fi
